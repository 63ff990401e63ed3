package io.sluice.proxy.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An initialised data directory, with the {@link SandboxAccounts} already in it, made once per JVM and copied for every
 * sandbox server. Initialising takes a second or more; copying 30 MB takes milliseconds, which is what lets a three-node
 * cluster start in about a second.
 *
 * <p>The cache is static because "once per JVM" is the point; it is keyed by server binary and removed by a shutdown hook.
 */
final class DataDirTemplate {
    private static final Logger log = LoggerFactory.getLogger(DataDirTemplate.class);
    private static final Map<Path, DataDirTemplate> TEMPLATES = new HashMap<>();

    private final ServerBinaries binaries;
    private final Path data;

    private DataDirTemplate(ServerBinaries binaries, Path data) {
        this.binaries = binaries;
        this.data = data;
    }

    static synchronized DataDirTemplate forBinaries(ServerBinaries binaries, SandboxOptions options) {
        DataDirTemplate template = TEMPLATES.get(binaries.server());
        if (template == null) {
            template = create(binaries, options);
            TEMPLATES.put(binaries.server(), template);
        }
        return template;
    }

    /** Copies the template to {@code target}, which must not exist. */
    void copyTo(Path target) {
        try {
            Files.walkFileTree(data, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    Files.createDirectories(target.resolve(data.relativize(dir).toString()));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.copy(file, target.resolve(data.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                    return FileVisitResult.CONTINUE;
                }
            });
            if (binaries.flavour() == Flavour.MYSQL) {
                // auto.cnf holds server_uuid; copies must each generate their own or replicas refuse their source
                // ("source and replica have equal MySQL server UUIDs") and GTIDs could not tell the servers apart.
                Files.deleteIfExists(target.resolve("auto.cnf"));
            }
        } catch (IOException e) {
            throw new SandboxException("Could not copy data directory template " + data + " to " + target, e);
        }
    }

    private static DataDirTemplate create(ServerBinaries binaries, SandboxOptions options) {
        long started = System.nanoTime();
        Path base;
        try {
            base = options.baseDir() == null
                    ? Files.createTempDirectory("sluice-template-")
                    : Files.createTempDirectory(Files.createDirectories(options.baseDir()), "sluice-template-");
        } catch (IOException e) {
            throw new SandboxException("Could not create a directory for the data directory template", e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> FileTrees.deleteTree(base), "sandbox-template-cleanup"));
        SandboxServer server = new SandboxServer("template", SandboxServer.Role.TEMPLATE, 1, binaries, options, base);
        initialise(binaries, options, server.dataDir(), base);
        server.launch();
        try {
            server.execute(accountsSql(binaries));
        } finally {
            server.stop();
        }
        log.info("Data directory template ready in {} ms at {} ({})",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), server.dataDir(), binaries.version());
        return new DataDirTemplate(binaries, server.dataDir());
    }

    private static void initialise(ServerBinaries binaries, SandboxOptions options, Path dataDir, Path base) {
        List<String> command = new ArrayList<>();
        String osUser = System.getProperty("user.name");
        if (binaries.flavour() == Flavour.MARIADB) {
            command.addAll(List.of(binaries.installDb().toString(), "--no-defaults", "--datadir=" + dataDir,
                    "--auth-root-authentication-method=socket", "--auth-root-socket-user=" + osUser,
                    "--skip-test-db", "--skip-name-resolve", "--innodb-use-native-aio=0",
                    // Otherwise the bootstrap writes a 96 MB redo log that every copy would then carry.
                    "--innodb-log-file-size=" + options.innodbLogFileSize(),
                    "--innodb-buffer-pool-size=" + options.innodbBufferPoolSize()));
            Path basedir = tarballBaseDir(binaries.server());
            if (basedir != null) {
                command.add("--basedir=" + basedir);
            }
        } else {
            command.addAll(List.of(binaries.server().toString(), "--no-defaults", "--initialize-insecure",
                    "--datadir=" + dataDir, "--log-error=" + base.resolve("initialize.log")));
        }
        if ("root".equals(osUser)) {
            command.add("--user=root");
        }
        Path output = base.resolve("initialize.out");
        try {
            Process p = new ProcessBuilder(command).directory(base.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new SandboxException(String.join(" ", command) + " did not finish within 5 minutes");
            }
            if (p.exitValue() != 0) {
                String log = Files.readString(output, StandardCharsets.UTF_8);
                Path initLog = base.resolve("initialize.log");
                if (Files.exists(initLog)) {
                    log += Files.readString(initLog, StandardCharsets.UTF_8);
                }
                throw new SandboxException("Initialising a data directory failed (exit " + p.exitValue() + "): "
                        + String.join(" ", command) + "\n" + log);
            }
        } catch (IOException e) {
            throw new SandboxException("Could not run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("Interrupted while initialising a data directory", e);
        }
    }

    /** For a server unpacked from a tarball ({@code X/bin/mariadbd} next to {@code X/share}), install-db needs X. */
    private static Path tarballBaseDir(Path server) {
        Path bin = server.getParent();
        Path root = bin == null ? null : bin.getParent();
        if (root == null || root.toString().equals("/usr") || !Files.isDirectory(root.resolve("share"))) {
            return null;
        }
        return root;
    }

    static String accountsSql(ServerBinaries binaries) {
        Account root = SandboxAccounts.ROOT;
        Account repl = SandboxAccounts.REPLICATION;
        Account monitor = SandboxAccounts.MONITOR;
        Account app = SandboxAccounts.APP;
        String h = "'" + SandboxServer.HOST + "'";
        if (binaries.flavour() == Flavour.MARIADB) {
            // MariaDB's default plugin is mysql_native_password. root@localhost keeps unix_socket (how the sandbox
            // administers it) and also accepts the sandbox password.
            return String.join(";\n",
                    "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('"
                            + root.password() + "')",
                    "CREATE USER 'root'@" + h + " IDENTIFIED BY '" + root.password() + "'",
                    "GRANT ALL PRIVILEGES ON *.* TO 'root'@" + h + " WITH GRANT OPTION",
                    "CREATE USER '" + repl.user() + "'@" + h + " IDENTIFIED BY '" + repl.password() + "'",
                    "GRANT REPLICATION SLAVE ON *.* TO '" + repl.user() + "'@" + h,
                    "CREATE USER '" + monitor.user() + "'@" + h + " IDENTIFIED BY '" + monitor.password() + "'",
                    "GRANT BINLOG MONITOR, REPLICA MONITOR, REPLICATION SLAVE, REPLICATION SLAVE ADMIN, "
                            + "REPLICATION MASTER ADMIN, READ_ONLY ADMIN, SUPER, CONNECTION ADMIN, PROCESS, RELOAD "
                            + "ON *.* TO '" + monitor.user() + "'@" + h,
                    "GRANT SELECT ON mysql.* TO '" + monitor.user() + "'@" + h,
                    // The monitor's heartbeat table lives in a schema of its own, created on the source.
                    "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE ON sluice.* TO '" + monitor.user() + "'@" + h,
                    "CREATE USER '" + app.user() + "'@" + h + " IDENTIFIED BY '" + app.password() + "'",
                    "GRANT ALL PRIVILEGES ON *.* TO '" + app.user() + "'@" + h,
                    // Without these, read_only would not stop the application's writes on a replica.
                    "REVOKE SUPER, READ_ONLY ADMIN ON *.* FROM '" + app.user() + "'@" + h);
        }
        String identified = mysqlMajorMinor(binaries.version()) >= 900
                // MySQL 9 removed mysql_native_password; caching_sha2 works with GET_SOURCE_PUBLIC_KEY / key retrieval.
                ? " IDENTIFIED BY '"
                : " IDENTIFIED WITH mysql_native_password BY '";
        return String.join(";\n",
                "CREATE USER 'root'@" + h + identified + root.password() + "'",
                "GRANT ALL PRIVILEGES ON *.* TO 'root'@" + h + " WITH GRANT OPTION",
                "CREATE USER '" + repl.user() + "'@" + h + identified + repl.password() + "'",
                "GRANT REPLICATION SLAVE ON *.* TO '" + repl.user() + "'@" + h,
                "CREATE USER '" + monitor.user() + "'@" + h + identified + monitor.password() + "'",
                "GRANT REPLICATION CLIENT, REPLICATION SLAVE, SUPER, PROCESS, RELOAD ON *.* TO '"
                        + monitor.user() + "'@" + h,
                "GRANT REPLICATION_SLAVE_ADMIN, SYSTEM_VARIABLES_ADMIN, CONNECTION_ADMIN ON *.* TO '"
                        + monitor.user() + "'@" + h,
                "GRANT SELECT ON mysql.* TO '" + monitor.user() + "'@" + h,
                "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE ON sluice.* TO '" + monitor.user() + "'@" + h,
                "CREATE USER '" + app.user() + "'@" + h + identified + app.password() + "'",
                "GRANT ALL PRIVILEGES ON *.* TO '" + app.user() + "'@" + h,
                // SUPER and CONNECTION_ADMIN both bypass read_only on MySQL.
                "REVOKE SUPER, CONNECTION_ADMIN ON *.* FROM '" + app.user() + "'@" + h);
    }

    /** {@code 804} for "mysqld  Ver 8.4.3 for Linux ..."; 0 if the version cannot be read. */
    static int mysqlMajorMinor(String version) {
        Matcher m = Pattern.compile("(\\d+)\\.(\\d+)\\.\\d+").matcher(version);
        return m.find() ? Integer.parseInt(m.group(1)) * 100 + Integer.parseInt(m.group(2)) : 0;
    }
}
