package io.sluice.proxy.sandbox;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs SQL on one server through the {@code mariadb}/{@code mysql} command-line client, as {@code root} over the unix
 * socket, in batch mode. Main code has no JDBC driver, and the socket works before any TCP account exists.
 *
 * <p>Batch output is tab-separated with {@code \t}, {@code \n}, {@code \\} and {@code \0} escaped, which {@link #query}
 * undoes. A SQL {@code NULL} prints as the bare word {@code NULL} and is returned as Java {@code null}; a string whose
 * value is {@code "NULL"} is indistinguishable from it, which is acceptable for administrative queries.
 *
 * <p>Output goes to temporary files rather than pipes so that a hung client (for instance against a server stopped with
 * {@code SIGSTOP}) is bounded by {@code timeout} and then killed, instead of blocking a reader thread.
 */
public final class SqlShell {
    private final Path client;
    private final Path socket;
    private final Path scratchDir;
    private final Duration timeout;

    /**
     * @param scratchDir where the client's output is captured while it runs; must exist
     */
    public SqlShell(Path client, Path socket, Path scratchDir, Duration timeout) {
        this.client = client;
        this.socket = socket;
        this.scratchDir = scratchDir;
        this.timeout = timeout;
    }

    /** Runs statements that return no rows. Several may be given, separated by semicolons; the first error stops them. */
    public void execute(String sql) {
        run(sql, true);
    }

    /** Rows of the last result set of {@code sql}, each a list of column values ({@code null} for SQL NULL). */
    public List<List<String>> query(String sql) {
        List<List<String>> rows = new ArrayList<>();
        for (String line : lines(run(sql, true))) {
            rows.add(parseRow(line));
        }
        return rows;
    }

    /** Like {@link #query}, keyed by column name, for wide results such as {@code SHOW SLAVE STATUS}. */
    public List<Map<String, String>> queryByName(String sql) {
        List<String> lines = lines(run(sql, false));
        List<Map<String, String>> rows = new ArrayList<>();
        if (lines.isEmpty()) {
            return rows;
        }
        List<String> names = parseRow(lines.get(0));
        for (String line : lines.subList(1, lines.size())) {
            List<String> values = parseRow(line);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < names.size() && i < values.size(); i++) {
                row.put(names.get(i), values.get(i));
            }
            rows.add(Collections.unmodifiableMap(row));
        }
        return rows;
    }

    /** The single value of a one-row, one-column query. */
    public String queryValue(String sql) {
        List<List<String>> rows = query(sql);
        if (rows.size() != 1 || rows.get(0).size() != 1) {
            throw new SandboxException("Expected one value from [" + sql + "] on " + socket + ", got " + rows);
        }
        return rows.get(0).get(0);
    }

    /** The same shell with another bound on each client run, e.g. for a statement that waits server-side. */
    public SqlShell withTimeout(Duration timeout) {
        return new SqlShell(client, socket, scratchDir, timeout);
    }

    private String run(String sql, boolean skipColumnNames) {
        String script = sql.strip();
        // The script is terminated here; a caller's own trailing ';' would make an empty statement, which is an error.
        while (script.endsWith(";")) {
            script = script.substring(0, script.length() - 1).strip();
        }
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile(scratchDir, "sql-", ".out");
            err = Files.createTempFile(scratchDir, "sql-", ".err");
            List<String> command = new ArrayList<>(List.of(client.toString(), "--no-defaults", "--protocol=SOCKET",
                    "--socket=" + socket, "--user=root", "--batch",
                    "--connect-timeout=" + Math.max(1, timeout.toSeconds())));
            if (skipColumnNames) {
                command.add("--skip-column-names");
            }
            Process process = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            try (OutputStream stdin = process.getOutputStream()) {
                stdin.write(script.getBytes(StandardCharsets.UTF_8));
                stdin.write(";\n".getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // The client exited before reading all of stdin (it could not connect): its stderr says why.
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new SandboxException("SQL on " + socket + " did not finish within " + timeout + ": " + sql);
            }
            if (process.exitValue() != 0) {
                throw new SandboxException("SQL on " + socket + " failed (exit " + process.exitValue() + "): "
                        + Files.readString(err).trim() + " [" + sql + "]");
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SandboxException("Could not run " + client + " against " + socket, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("Interrupted while running SQL on " + socket, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static List<String> lines(String output) {
        List<String> lines = new ArrayList<>();
        for (String line : output.split("\n", -1)) {
            lines.add(line);
        }
        // split keeps the empty string after the final newline; it is not a row.
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }

    static List<String> parseRow(String line) {
        List<String> values = new ArrayList<>();
        for (String field : line.split("\t", -1)) {
            values.add("NULL".equals(field) ? null : unescape(field));
        }
        return values;
    }

    /** Undoes the client's batch-mode escaping ({@code \\}, {@code \t}, {@code \n}, {@code \0}). */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder sb = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 1 < field.length()) {
                char next = field.charAt(++i);
                switch (next) {
                    case 't' -> sb.append('\t');
                    case 'n' -> sb.append('\n');
                    case '0' -> sb.append('\0');
                    case '\\' -> sb.append('\\');
                    default -> sb.append('\\').append(next);
                }
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static void deleteQuietly(Path path) {
        if (path != null) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // A leftover scratch file is removed with the sandbox directory.
            }
        }
    }
}
