package io.sluice.proxy.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The server, initialiser and client executables found on this machine, and the flavour they belong to.
 *
 * <p>{@link #detect()} prefers {@code mariadbd}; it falls back to {@code mysqld}, which on Debian is itself a MariaDB
 * symlink, so the flavour of a {@code mysqld} is decided by what {@code mysqld --version} prints.
 *
 * @param installDb {@code mariadb-install-db} / {@code mysql_install_db} for MariaDB; for MySQL the server binary itself,
 *     which initialises with {@code --initialize-insecure}
 */
public record ServerBinaries(Flavour flavour, Path server, Path installDb, Path client, String version) {

    /** Where servers live besides {@code PATH}: Debian puts them in sbin, which is not on a non-root {@code PATH}. */
    private static final List<String> EXTRA_DIRS = List.of("/usr/sbin", "/usr/local/sbin", "/usr/local/mysql/bin",
            "/usr/local/mariadb/bin", "/usr/bin", "/usr/local/bin");

    static final String INSTALL_HINT = "install MariaDB: apt-get install mariadb-server mariadb-client";

    /** Looks for a usable server on {@code PATH} and the usual install locations. */
    public static ServerBinaries detect() {
        return detect(searchDirs());
    }

    /** Looks only in {@code dirs}, in order. */
    static ServerBinaries detect(List<Path> dirs) {
        Optional<Path> mariadbd = find(dirs, "mariadbd");
        if (mariadbd.isPresent()) {
            return mariadb(dirs, mariadbd.get(), versionOf(mariadbd.get()));
        }
        Optional<Path> mysqld = find(dirs, "mysqld");
        if (mysqld.isPresent()) {
            String version = versionOf(mysqld.get());
            if (version.contains("MariaDB")) {
                return mariadb(dirs, mysqld.get(), version);
            }
            Path client = find(dirs, "mysql").orElseThrow(() -> new SandboxException(
                    "Found MySQL server " + mysqld.get() + " but no mysql client in " + dirs
                            + "; install the MySQL client, or " + INSTALL_HINT));
            return new ServerBinaries(Flavour.MYSQL, mysqld.get(), mysqld.get(), client, version);
        }
        throw new SandboxException("No MySQL or MariaDB server found (looked for mariadbd and mysqld in " + dirs
                + "); to run sandbox clusters, " + INSTALL_HINT);
    }

    private static ServerBinaries mariadb(List<Path> dirs, Path server, String version) {
        Path installDb = find(dirs, "mariadb-install-db").or(() -> find(dirs, "mysql_install_db"))
                .orElseThrow(() -> new SandboxException("Found MariaDB server " + server
                        + " but no mariadb-install-db in " + dirs + "; " + INSTALL_HINT));
        Path client = find(dirs, "mariadb").or(() -> find(dirs, "mysql"))
                .orElseThrow(() -> new SandboxException("Found MariaDB server " + server
                        + " but no mariadb command-line client in " + dirs + "; " + INSTALL_HINT));
        return new ServerBinaries(Flavour.MARIADB, server, installDb, client, version);
    }

    private static List<Path> searchDirs() {
        Set<String> dirs = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (!dir.isBlank()) {
                    dirs.add(dir);
                }
            }
        }
        dirs.addAll(EXTRA_DIRS);
        List<Path> result = new ArrayList<>();
        for (String dir : dirs) {
            result.add(Path.of(dir));
        }
        return result;
    }

    private static Optional<Path> find(List<Path> dirs, String name) {
        for (Path dir : dirs) {
            Path candidate = dir.resolve(name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static String versionOf(Path server) {
        try {
            Process process = new ProcessBuilder(server.toString(), "--no-defaults", "--version")
                    .redirectErrorStream(true).start();
            process.getOutputStream().close();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new SandboxException(server + " --version did not finish within 30s");
            }
            return out;
        } catch (IOException e) {
            throw new SandboxException("Could not run " + server + " --version", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("Interrupted while running " + server + " --version", e);
        }
    }
}
