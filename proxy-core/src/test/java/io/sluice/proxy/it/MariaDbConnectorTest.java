package io.sluice.proxy.it;

import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MariaDB Connector/J 3 through Sluice: every scenario runs twice, once straight against the source and once
 * through Sluice, and the two results must be equal. What the driver sees of the server (column metadata, values,
 * error codes and SQLSTATEs, multi-result chains) must not change because a proxy sits in between.
 */
@ExtendWith(ClusterExtension.class)
class MariaDbConnectorTest {
    private static final String DB = "it_mariadb_" + Long.toHexString(System.nanoTime());

    private static SandboxCluster cluster;
    private static SluiceFixture sluice;

    @FunctionalInterface
    interface Scenario<T> {
        T run(Connection c) throws Exception;
    }

    @BeforeAll
    static void start(SandboxCluster shared) {
        cluster = shared;
        cluster.source().execute("CREATE DATABASE " + DB + " CHARACTER SET utf8mb4");
        sluice = SluiceFixture.start(cluster);
    }

    @AfterAll
    static void stop() {
        if (sluice != null) {
            sluice.close();
        }
        cluster.source().execute("DROP DATABASE IF EXISTS " + DB);
    }

    @Test
    void textQueriesOfManyTypesMatchDirect() throws Exception {
        List<String> result = assertSameThroughSluice("", c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE OR REPLACE TABLE types (id INT PRIMARY KEY, ti TINYINT, si SMALLINT UNSIGNED,"
                        + " mi MEDIUMINT, bi BIGINT UNSIGNED, de DECIMAL(30,10), fl FLOAT, db DOUBLE, bt BIT(12),"
                        + " d DATE, dt DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME(2), y YEAR, ch CHAR(5),"
                        + " vc VARCHAR(100), tx TEXT, bl BLOB, vb VARBINARY(16), en ENUM('a','b','c'), st SET('x','y','z'),"
                        + " nul INT) CHARACTER SET utf8mb4");
                s.execute("INSERT INTO types VALUES"
                        + " (1, -128, 65535, -8388608, 18446744073709551615, 12345678901234567890.0123456789, 1.5,"
                        + " 2.718281828459045, b'101010101010', '2024-02-29', '2024-02-29 23:59:59.123456',"
                        + " '2038-01-19 03:14:07.999', '-838:59:59.99', 2155, 'ab', 'héllo wörld 😀',"
                        + " REPEAT('long text ', 1000), UNHEX('00FF10FE'), x'0001', 'b', 'x,z', NULL),"
                        + " (2, 127, 0, 0, 0, -0.0000000001, -1e-10, 1e308, b'0', '1000-01-01', '1000-01-01 00:00:00',"
                        + " NULL, '00:00:00', 1901, '', '', '', '', '', 'a', '', 42),"
                        + " (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
                        + " NULL, NULL, NULL, NULL, NULL, NULL)");
            }
            List<String> out = new ArrayList<>();
            try (Statement s = c.createStatement()) {
                out.addAll(render(s.executeQuery("SELECT * FROM types ORDER BY id")));
                out.addAll(render(s.executeQuery("SELECT 1, 1.5, 'x', NULL, CAST(-1 AS SIGNED), 18446744073709551615,"
                        + " NOW() > '2000-01-01', _utf8mb4 '日本語', _latin1 'caf\\xe9', X'DEADBEEF', 1e100, PI()")));
                out.addAll(render(s.executeQuery("SELECT seq, seq * seq FROM seq_1_to_2000")));
                out.addAll(render(s.executeQuery("SELECT * FROM types WHERE id < 0")));
                int updated = s.executeUpdate("UPDATE types SET nul = nul + 1 WHERE nul IS NOT NULL");
                out.add("updated " + updated);
            }
            return out;
        });
        assertThat(result).contains("updated 1").hasSizeGreaterThan(2000);
    }

    /**
     * MariaDB marks a JSON column with extended type info, which the server sends only to clients that negotiated
     * MARIADB_CLIENT_EXTENDED_TYPE_INFO. Sluice announces no MariaDB extended capabilities (and logs in to the
     * backend without them), so through Sluice the driver sees the column as the LONGTEXT it is stored as. The
     * values are the same; only the type name differs, by design.
     */
    @Test
    void jsonColumnIsLongtextThroughSluiceWithTheSameValues() throws Exception {
        Scenario<List<String>> scenario = c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE OR REPLACE TABLE js (id INT PRIMARY KEY, doc JSON)");
                s.execute("INSERT INTO js VALUES (1, '{\"k\": [1, 2, null]}'), (2, '[]'), (3, NULL)");
                return render(s.executeQuery("SELECT doc FROM js ORDER BY id"));
            }
        };
        List<String> direct;
        try (Connection c = DriverManager.getConnection(directUrl(""))) {
            direct = scenario.run(c);
        }
        List<String> proxied;
        try (Connection c = DriverManager.getConnection(sluiceUrl(""))) {
            proxied = scenario.run(c);
        }
        assertThat(direct).containsExactly("columns: doc/JSON/0/0?", "{\"k\": [1, 2, null]}", "[]", "null");
        assertThat(proxied).containsExactly("columns: doc/LONGTEXT/0/0?", "{\"k\": [1, 2, null]}", "[]", "null");
    }

    @Test
    void serverPreparedStatementsMatchDirect() throws Exception {
        List<String> result = assertSameThroughSluice("useServerPrepStmts=true&cachePrepStmts=false", c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE OR REPLACE TABLE prep (id INT PRIMARY KEY, name VARCHAR(50), amount DECIMAL(10,2),"
                        + " at DATETIME(3), data BLOB)");
            }
            long preparesBefore = sessionStatus(c, "Com_stmt_prepare");
            List<String> out = new ArrayList<>();
            // A new PreparedStatement per execution: Connector/J 3 sends COM_STMT_PREPARE and COM_STMT_EXECUTE
            // back to back without waiting for the PREPARE's answer, so Sluice must queue the EXECUTE.
            for (int i = 0; i < 50; i++) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO prep VALUES (?, ?, ?, ?, ?)")) {
                    ps.setInt(1, i);
                    ps.setString(2, i % 7 == 0 ? null : "name-" + i + " ñ");
                    ps.setBigDecimal(3, new java.math.BigDecimal(i + ".25"));
                    ps.setTimestamp(4, java.sql.Timestamp.valueOf("2024-01-01 10:00:00." + (100 + i)));
                    ps.setBytes(5, new byte[] {(byte) i, 0, (byte) 0xFE, (byte) 0xFF});
                    out.add("insert " + ps.executeUpdate());
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM prep WHERE id >= ? AND name IS NOT NULL ORDER BY id")) {
                ps.setInt(1, 10);
                out.addAll(render(ps.executeQuery()));
                ps.setInt(1, 45);
                out.addAll(render(ps.executeQuery()));
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT ? + 1, ?, CAST(? AS DATE), ? IS NULL")) {
                ps.setLong(1, Long.MAX_VALUE - 1);
                ps.setString(2, "😀 emoji");
                ps.setString(3, "2020-12-31");
                ps.setNull(4, java.sql.Types.INTEGER);
                out.addAll(render(ps.executeQuery()));
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT no_such_column FROM prep WHERE id = ?")) {
                ps.setInt(1, 1);
                ps.executeQuery();
                out.add("no error");
            } catch (SQLException e) {
                out.add(describe(e));
            }
            out.addAll(render(c.createStatement().executeQuery("SELECT COUNT(*) FROM prep")));
            long prepares = sessionStatus(c, "Com_stmt_prepare") - preparesBefore;
            out.add("server-side prepares used: " + (prepares >= 53));
            return out;
        });
        assertThat(result).contains("server-side prepares used: true");
        assertThat(result).anyMatch(line -> line.startsWith("error 1054 42S22"));
    }

    @Test
    void bulkBatchFallsBackAndStoresEveryRow() throws Exception {
        int rows = 1000;
        List<String> result = assertSameThroughSluice("useServerPrepStmts=true&useBulkStmts=true", c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE OR REPLACE TABLE bulk (id INT PRIMARY KEY, v VARCHAR(40), n DOUBLE)");
            }
            int[] counts;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO bulk VALUES (?, ?, ?)")) {
                for (int i = 0; i < rows; i++) {
                    ps.setInt(1, i);
                    ps.setString(2, i % 10 == 0 ? null : "row " + i);
                    ps.setDouble(3, i / 3.0);
                    ps.addBatch();
                }
                counts = ps.executeBatch();
            }
            List<String> out = new ArrayList<>();
            // Direct, MariaDB 10.11 takes COM_STMT_BULK_EXECUTE and answers one count for the lot (SUCCESS_NO_INFO);
            // Sluice announces no MariaDB extended capabilities, so the driver runs the rows one by one (1 each).
            // Both are right; what must be identical is what ended up in the table.
            out.add("batch size " + counts.length);
            out.add("every count is 1 or SUCCESS_NO_INFO "
                    + java.util.Arrays.stream(counts).allMatch(n -> n == 1 || n == Statement.SUCCESS_NO_INFO));
            try (Statement s = c.createStatement()) {
                out.addAll(render(s.executeQuery("SELECT COUNT(*), COUNT(v), SUM(id), SUM(n), MIN(v), MAX(v) FROM bulk")));
                out.addAll(render(s.executeQuery("SELECT * FROM bulk ORDER BY id")));
            }
            return out;
        });
        assertThat(result).contains("batch size " + rows, "every count is 1 or SUCCESS_NO_INFO true");
        assertThat(result.get(3)).startsWith("1000|900|499500|");
    }

    /**
     * Without bulk, Connector/J writes the COM_STMT_EXECUTEs of a batch before reading their answers: about 3 MiB
     * here, more than the 1 MiB Sluice queues before it stops reading from the client (it resumes at half).
     */
    @Test
    void pipelinedBatchLargerThanTheQueueLimit() throws Exception {
        int rows = 8_000;
        String padding = "p".repeat(400);
        List<String> result = assertSameThroughSluice("useServerPrepStmts=true&useBulkStmts=false", c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE OR REPLACE TABLE piped (id INT PRIMARY KEY, v VARCHAR(500))");
            }
            int[] counts;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO piped VALUES (?, ?)")) {
                for (int i = 0; i < rows; i++) {
                    ps.setInt(1, i);
                    ps.setString(2, padding + i);
                    ps.addBatch();
                }
                counts = ps.executeBatch();
            }
            List<String> out = new ArrayList<>();
            out.add("counts " + counts.length + " all one " + java.util.Arrays.stream(counts).allMatch(n -> n == 1));
            try (Statement s = c.createStatement()) {
                out.addAll(render(s.executeQuery("SELECT COUNT(*), SUM(id), SUM(LENGTH(v)) FROM piped")));
            }
            return out;
        });
        assertThat(result.get(0)).isEqualTo("counts " + rows + " all one true");
    }

    @Test
    void streamedResultClosedEarlyAndTransactions() throws Exception {
        assertSameThroughSluice("", c -> {
            List<String> out = new ArrayList<>();
            try (Statement s = c.createStatement()) {
                s.execute("CREATE OR REPLACE TABLE tx (id INT PRIMARY KEY, v INT) ENGINE=InnoDB");
                s.setFetchSize(100);
                try (ResultSet rs = s.executeQuery("SELECT seq, REPEAT('r', 100) FROM seq_1_to_50000")) {
                    for (int i = 0; i < 150 && rs.next(); i++) {
                        out.add(i == 149 ? "streamed " + rs.getInt(1) : null);
                    }
                }
                out.removeIf(java.util.Objects::isNull);
                s.setFetchSize(0);
                c.setAutoCommit(false);
                s.execute("INSERT INTO tx VALUES (1, 1)");
                c.rollback();
                s.execute("INSERT INTO tx VALUES (2, 2)");
                c.commit();
                c.setAutoCommit(true);
                c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
                c.setReadOnly(true);
                out.addAll(render(s.executeQuery("SELECT id, v, @@session.tx_isolation FROM tx")));
                c.setReadOnly(false);
            }
            return out;
        });
    }

    @Test
    void textBatchWithRewriteMatchesDirect() throws Exception {
        assertSameThroughSluice("useBulkStmts=false&rewriteBatchedStatements=true", c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE OR REPLACE TABLE tbatch (id INT PRIMARY KEY, v VARCHAR(40))");
                for (int i = 0; i < 200; i++) {
                    s.addBatch("INSERT INTO tbatch VALUES (" + i + ", 'v" + i + "')");
                }
                int[] counts = s.executeBatch();
                List<String> out = new ArrayList<>();
                out.add("counts " + java.util.Arrays.toString(counts));
                out.addAll(render(s.executeQuery("SELECT COUNT(*), SUM(id) FROM tbatch")));
                return out;
            }
        });
    }

    @Test
    void multiQueriesReturnEveryResult() throws Exception {
        List<String> result = assertSameThroughSluice("allowMultiQueries=true", c -> {
            List<String> out = new ArrayList<>();
            try (Statement s = c.createStatement()) {
                s.execute("CREATE OR REPLACE TABLE multi (id INT PRIMARY KEY, v TEXT)");
                boolean isResult = s.execute("SELECT 1 AS a; INSERT INTO multi VALUES (1, 'one'), (2, NULL);"
                        + " SELECT 'x' AS b, NULL AS c UNION ALL SELECT 'y', 2; UPDATE multi SET v = 'two' WHERE id = 2;"
                        + " SELECT * FROM multi ORDER BY id; DO 1");
                while (true) {
                    if (isResult) {
                        out.addAll(render(s.getResultSet()));
                    } else {
                        int count = s.getUpdateCount();
                        if (count == -1) {
                            break;
                        }
                        out.add("count " + count);
                    }
                    isResult = s.getMoreResults();
                }
                // A multi-statement that fails half way: the results before the error, then the error.
                try {
                    s.execute("SELECT 'before'; SELECT * FROM no_such_table; SELECT 'after'");
                    out.addAll(render(s.getResultSet()));
                    s.getMoreResults();
                    out.add("no error");
                } catch (SQLException e) {
                    out.add(describe(e));
                }
                out.addAll(render(s.executeQuery("SELECT 'still usable'")));
            }
            return out;
        });
        assertThat(result).containsSubsequence("1", "count 2", "x|null", "y|2", "count 1", "1|one", "2|two", "count 0");
        assertThat(result).contains("still usable");
    }

    @Test
    void blobLargerThanSixteenMegabytesRoundTrips() throws Exception {
        byte[] blob = new byte[17 * 1024 * 1024 + 123];
        new Random(42).nextBytes(blob);
        String expected = sha256(blob);
        List<String> result = assertSameThroughSluice("useServerPrepStmts=true", c -> {
            List<String> out = new ArrayList<>();
            try (Statement s = c.createStatement()) {
                s.execute("CREATE OR REPLACE TABLE big (id INT PRIMARY KEY, b LONGBLOB, t LONGTEXT)");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO big VALUES (?, ?, ?)")) {
                ps.setInt(1, 1);
                ps.setBytes(2, blob);
                ps.setString(3, "é".repeat(9 * 1024 * 1024));
                out.add("insert " + ps.executeUpdate());
            }
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT b, LENGTH(b), t, id FROM big")) {
                // Text protocol: the row is a 35 MiB packet spread over three frames, the first column's length
                // prefix being 0xFE (eight-byte length) like an EOF header.
                out.add(rs.next() ? sha256(rs.getBytes(1)) + " " + rs.getLong(2) + " " + sha256(rs.getString(3)
                        .getBytes(StandardCharsets.UTF_8)) + " " + rs.getInt(4) : "no row");
                out.add("more " + rs.next());
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT b, id FROM big WHERE id = ?")) {
                ps.setInt(1, 1);
                try (ResultSet rs = ps.executeQuery()) {
                    out.add(rs.next() ? "binary " + sha256(rs.getBytes(1)) + " " + rs.getInt(2) : "no row");
                }
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 'after'")) {
                rs.next();
                out.add(rs.getString(1));
            }
            return out;
        });
        assertThat(result.get(1)).startsWith(expected + " " + blob.length + " ");
        assertThat(result).contains("binary " + expected + " 1", "after");
    }

    /**
     * Packets at the 16 MiB boundary in both directions: 0xFFFFFE fits one frame, 0xFFFFFF needs a trailing empty
     * frame, 0x1000000 spills one byte into a second frame. Responses in the text and the binary protocol.
     */
    @Test
    void packetsAroundTheSixteenMegabyteBoundaryRoundTrip() throws Exception {
        int[] sizes = {0xFFFFFE, 0xFFFFFF, 0x1000000};
        List<String> result = assertSameThroughSluice("useServerPrepStmts=true", c -> {
            List<String> out = new ArrayList<>();
            for (int size : sizes) {
                try (Statement s = c.createStatement();
                     // Text row: a 4-byte length (0xFD + 3) and the string.
                     ResultSet rs = s.executeQuery("SELECT REPEAT('a', " + (size - 4) + ")")) {
                    rs.next();
                    out.add("text row " + Integer.toHexString(size) + " " + rs.getString(1).length());
                }
                try (PreparedStatement ps = c.prepareStatement("SELECT REPEAT('b', ?)")) {
                    // Binary row: 0x00, a one-byte NULL bitmap, the 4-byte length and the string.
                    ps.setInt(1, size - 6);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        out.add("binary row " + Integer.toHexString(size) + " " + rs.getString(1).length());
                    }
                }
                // COM_QUERY: the command byte and the statement.
                String prefix = "SELECT LENGTH('";
                String sql = prefix + "c".repeat(size - 1 - prefix.length() - 2) + "')";
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                    rs.next();
                    out.add("query " + Integer.toHexString(1 + sql.length()) + " " + rs.getLong(1));
                }
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 'after'")) {
                rs.next();
                out.add(rs.getString(1));
            }
            return out;
        });
        assertThat(result).contains("text row ffffff 16777211", "binary row ffffff 16777209",
                "query ffffff 16777197", "query 1000000 16777198", "after");
    }

    @Test
    void longDataStreamsMatchDirect() throws Exception {
        byte[] bytes = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(bytes);
        String text = "ünïcode ☃ ".repeat(100_000);
        List<String> result = assertSameThroughSluice("useServerPrepStmts=true", c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE OR REPLACE TABLE streams (id INT PRIMARY KEY, b LONGBLOB, t LONGTEXT)");
            }
            List<String> out = new ArrayList<>();
            // Streams go up as COM_STMT_SEND_LONG_DATA, which has no response, pipelined with the EXECUTE.
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO streams VALUES (?, ?, ?)")) {
                for (int id = 1; id <= 3; id++) {
                    ps.setInt(1, id);
                    ps.setBinaryStream(2, new java.io.ByteArrayInputStream(bytes));
                    ps.setCharacterStream(3, new java.io.StringReader(text));
                    out.add("insert " + ps.executeUpdate());
                }
            }
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT id, SHA2(b, 256), LENGTH(b), CHAR_LENGTH(t), MD5(t) FROM streams ORDER BY id")) {
                out.addAll(render(rs));
            }
            return out;
        });
        assertThat(result).hasSize(7).contains("insert 1");
        assertThat(result.get(4)).startsWith("1|" + sha256(bytes) + "|" + bytes.length + "|" + text.length() + "|");
    }

    @Test
    void loadDataLocalInfileMatchesDirect() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("sluice-infile", ".csv");
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            csv.append(i).append(",name ").append(i).append(" é,").append(i * 0.5).append('\n');
        }
        java.nio.file.Files.writeString(file, csv, StandardCharsets.UTF_8);
        try {
            List<String> result = assertSameThroughSluice("allowLocalInfile=true", c -> {
                List<String> out = new ArrayList<>();
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE OR REPLACE TABLE loaded (id INT PRIMARY KEY, name VARCHAR(40), v DOUBLE)"
                            + " CHARACTER SET utf8mb4");
                    out.add("loaded " + s.executeUpdate("LOAD DATA LOCAL INFILE '" + file + "' INTO TABLE loaded"
                            + " CHARACTER SET utf8mb4 FIELDS TERMINATED BY ','"));
                    out.addAll(render(s.executeQuery("SELECT COUNT(*), SUM(id), SUM(v), MAX(name) FROM loaded")));
                    try {
                        s.executeUpdate("LOAD DATA LOCAL INFILE '" + file + "' INTO TABLE no_such_table");
                        out.add("no error");
                    } catch (SQLException e) {
                        out.add(describe(e));
                    }
                    out.addAll(render(s.executeQuery("SELECT 'after'")));
                }
                return out;
            });
            assertThat(result).contains("loaded 100000", "after");
        } finally {
            java.nio.file.Files.delete(file);
        }
    }

    /**
     * {@code Statement.cancel()} opens a second connection and sends {@code KILL QUERY <id>} with the connection
     * id from the greeting: Sluice's own id, which Sluice must rewrite to the backend thread.
     */
    @Test
    void cancelKillsTheRunningQuery() throws Exception {
        List<String> result = assertSameThroughSluice("", c -> {
            String sql = "SELECT SLEEP(30) /* cancel-" + System.nanoTime() + " */";
            List<String> out = new ArrayList<>();
            java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newSingleThreadExecutor();
            try (Statement s = c.createStatement()) {
                java.util.concurrent.Future<String> running = executor.submit(() -> {
                    try (ResultSet rs = s.executeQuery(sql)) {
                        rs.next();
                        return "finished " + rs.getString(1);
                    } catch (SQLException e) {
                        return describe(e);
                    }
                });
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                        cluster.source().queryValue("SELECT COUNT(*) FROM information_schema.processlist"
                                + " WHERE info = '" + sql + "'").equals("1"));
                long started = System.nanoTime();
                s.cancel();
                out.add(running.get(20, java.util.concurrent.TimeUnit.SECONDS));
                out.add("cancelled quickly " + (System.nanoTime() - started < 10_000_000_000L));
            } finally {
                executor.shutdownNow();
            }
            out.addAll(render(c.createStatement().executeQuery("SELECT 'still usable'")));
            return out;
        });
        assertThat(result.get(0)).satisfiesAnyOf(
                line -> assertThat(line).isEqualTo("finished 1"),
                line -> assertThat(line).isEqualTo("error 1317 70100 Query execution was interrupted"));
        assertThat(result).contains("cancelled quickly true", "still usable");
    }

    @Test
    void errorsCarryTheServersCodeAndStateAndKeepTheConnection() throws Exception {
        List<String> result = assertSameThroughSluice("", c -> {
            List<String> out = new ArrayList<>();
            try (Statement s = c.createStatement()) {
                s.execute("CREATE OR REPLACE TABLE errs (id INT PRIMARY KEY, v INT NOT NULL)");
                s.execute("INSERT INTO errs VALUES (1, 1)");
                for (String sql : List.of("SELEC 1", "SELECT * FROM no_such_table", "INSERT INTO errs VALUES (1, 2)",
                        "INSERT INTO errs VALUES (2, NULL)", "SELECT no_such_col FROM errs", "USE no_such_db",
                        "SIGNAL SQLSTATE '45000' SET MYSQL_ERRNO = 1644, MESSAGE_TEXT = 'custom ☃'",
                        "SELECT * FROM errs WHERE id = (SELECT id FROM errs UNION ALL SELECT 5)",
                        "CREATE TABLE errs (x INT)", "DROP TABLE no_such_table")) {
                    try {
                        s.execute(sql);
                        out.add("no error: " + sql);
                    } catch (SQLException e) {
                        out.add(describe(e));
                    }
                    out.addAll(render(s.executeQuery("SELECT COUNT(*) FROM errs")));
                }
            }
            out.add("valid " + c.isValid(5));
            return out;
        });
        assertThat(result).contains("error 1064 42000 You have an error in your SQL syntax; check the manual that"
                + " corresponds to your MariaDB server version for the right syntax to use near 'SELEC 1' at line 1");
        assertThat(result).anyMatch(line -> line.startsWith("error 1062 23000 Duplicate entry '1'"));
        assertThat(result).contains("error 1644 45000 custom ☃", "valid true");
        assertThat(result).noneMatch(line -> line.startsWith("no error"));
    }

    @Test
    void pingAndResetConnection() throws Exception {
        List<String> result = assertSameThroughSluice("useResetConnection=true", c -> {
            List<String> out = new ArrayList<>();
            out.add("valid " + c.isValid(5));
            try (Statement s = c.createStatement()) {
                s.execute("SET @marker = 'set', SESSION sql_mode = 'ANSI_QUOTES'");
                s.execute("CREATE TEMPORARY TABLE tmp_reset (x INT)");
                out.addAll(render(s.executeQuery("SELECT @marker, @@session.sql_mode")));
            }
            // With useResetConnection, Connector/J 3 sends COM_RESET_CONNECTION from Connection.reset().
            c.unwrap(org.mariadb.jdbc.Connection.class).reset();
            try (Statement s = c.createStatement()) {
                out.addAll(render(s.executeQuery("SELECT @marker, @@session.sql_mode = @@global.sql_mode")));
                try {
                    s.executeQuery("SELECT * FROM tmp_reset");
                    out.add("temporary table survived");
                } catch (SQLException e) {
                    out.add(describe(e));
                }
            }
            out.add("valid " + c.isValid(5));
            return out;
        });
        assertThat(result).filteredOn(line -> !line.startsWith("columns:")).containsExactly("valid true",
                "set|ANSI_QUOTES", "null|1",
                "error 1146 42S02 Table '" + DB + ".tmp_reset' doesn't exist", "valid true");
    }

    @Test
    void fiveHundredConnectionsOpenAndCloseCleanly() throws Exception {
        int connections = 500;
        for (String url : List.of(directUrl(""), sluiceUrl(""))) {
            int ok = 0;
            for (int i = 0; i < connections; i++) {
                try (Connection c = DriverManager.getConnection(url);
                     Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT " + i)) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getInt(1)).isEqualTo(i);
                    ok++;
                }
            }
            assertThat(ok).isEqualTo(connections);
        }
        // Every session released its slot and its backend connection.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> openSessions() == 0);
    }

    // ------------------------------------------------------------------ helpers

    private static int openSessions() {
        return sluice.sluice().registry().size();
    }

    private static String directUrl(String options) {
        return url(cluster.source().port(), options);
    }

    private static String sluiceUrl(String options) {
        return url(sluice.port(), options);
    }

    private static String url(int port, String options) {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + DB + "?user=" + SandboxAccounts.APP.user()
                + "&password=" + SandboxAccounts.APP.password() + (options.isEmpty() ? "" : "&" + options);
    }

    /** Runs {@code scenario} directly against the source, then through Sluice; the results must be equal. */
    private static <T> T assertSameThroughSluice(String options, Scenario<T> scenario) throws Exception {
        T direct;
        try (Connection c = DriverManager.getConnection(directUrl(options))) {
            direct = scenario.run(c);
        }
        T proxied;
        try (Connection c = DriverManager.getConnection(sluiceUrl(options))) {
            proxied = scenario.run(c);
        }
        if (direct instanceof List<?> e && proxied instanceof List<?> a) {
            @SuppressWarnings("unchecked") List<Object> expected = (List<Object>) e;
            @SuppressWarnings("unchecked") List<Object> actual = (List<Object>) a;
            // Element by element, so that a failure names the lines that differ rather than printing both in full.
            assertThat(actual).as("through Sluice vs direct").containsExactlyElementsOf(expected);
        } else {
            assertThat(proxied).as("through Sluice vs direct").isEqualTo(direct);
        }
        return proxied;
    }

    /** Column metadata, then each row as {@code value|value|...} (binary values in hex). */
    static List<String> render(ResultSet rs) throws SQLException {
        List<String> out = new ArrayList<>();
        ResultSetMetaData md = rs.getMetaData();
        StringBuilder header = new StringBuilder("columns:");
        for (int i = 1; i <= md.getColumnCount(); i++) {
            header.append(' ').append(md.getColumnLabel(i)).append('/').append(md.getColumnTypeName(i))
                    .append('/').append(md.getPrecision(i)).append('/').append(md.getScale(i))
                    .append(md.isNullable(i) == ResultSetMetaData.columnNoNulls ? "" : "?");
        }
        out.add(header.toString());
        while (rs.next()) {
            StringBuilder row = new StringBuilder();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                Object v = rs.getObject(i);
                if (i > 1) {
                    row.append('|');
                }
                row.append(v instanceof byte[] b ? "0x" + HexFormat.of().formatHex(b) : String.valueOf(v));
            }
            out.add(row.toString());
        }
        rs.close();
        return out;
    }

    /** Code, SQLSTATE and message, less the driver's {@code (conn=N)} prefix (Sluice's id differs from the server's). */
    static String describe(SQLException e) {
        String message = e.getMessage().replaceFirst("^\\(conn=\\d+\\) ", "");
        return "error " + e.getErrorCode() + " " + e.getSQLState() + " " + message;
    }

    private static long sessionStatus(Connection c, String name) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW SESSION STATUS LIKE '" + name + "'")) {
            return rs.next() ? rs.getLong(2) : -1;
        }
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
