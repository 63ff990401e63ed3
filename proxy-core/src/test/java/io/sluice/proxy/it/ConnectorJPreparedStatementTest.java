package io.sluice.proxy.it;

import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Connector/J's binary protocol through Sluice compared with direct: server-side prepared statements
 * (COM_STMT_PREPARE / EXECUTE / CLOSE) with parameters of each type, re-executed; batches with and without
 * {@code rewriteBatchedStatements}; and a result read through a server-side cursor (COM_STMT_FETCH).
 */
@ExtendWith(ClusterExtension.class)
class ConnectorJPreparedStatementTest {
    private static final int CURSOR_ROWS = 1000;
    private static SandboxCluster cluster;
    private static SluiceFixture sluice;
    private static String db;

    @BeforeAll
    static void start(SandboxCluster sandbox) throws SQLException {
        cluster = sandbox;
        db = ConnectorJ.uniqueName("cj_prep");
        ConnectorJ.createDatabase(cluster, db);
        ConnectorJ.asRoot(cluster,
                "CREATE TABLE " + db + ".big (id INT PRIMARY KEY, v VARCHAR(40), d DOUBLE)",
                "INSERT INTO " + db + ".big WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq"
                        + " WHERE n < " + CURSOR_ROWS + ") SELECT n, CONCAT('row-', n), n / 7 FROM seq");
        sluice = SluiceFixture.start(cluster);
    }

    @AfterAll
    static void stop() throws SQLException {
        if (sluice != null) {
            sluice.close();
        }
        ConnectorJ.dropDatabase(cluster, db);
    }

    private static <T> List<T> both(String extra, ConnectorJ.SqlFunction<T> body) throws SQLException {
        return ConnectorJ.both(cluster, sluice, db, extra, body);
    }

    private static final String CREATE_TYPES = "CREATE TEMPORARY TABLE ps (id INT AUTO_INCREMENT PRIMARY KEY,"
            + " ti TINYINT, si SMALLINT, i INT, bi BIGINT, ubi BIGINT UNSIGNED, f FLOAT, d DOUBLE, dec30 DECIMAL(30,10),"
            + " b BOOLEAN, vc VARCHAR(50), dt DATE, tm TIME, ts DATETIME(6), bl BLOB, nul INT)";

    private static final String INSERT_TYPES = "INSERT INTO ps (ti, si, i, bi, ubi, f, d, dec30, b, vc, dt, tm, ts, bl,"
            + " nul) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    @Test
    void preparedInsertAndSelectWithEveryParameterTypeReExecuted() throws SQLException {
        List<List<Object>> results = both("useServerPrepStmts=true", c -> {
            List<Object> out = new ArrayList<>();
            try (Statement s = c.createStatement()) {
                s.execute(CREATE_TYPES);
            }
            try (PreparedStatement ins = c.prepareStatement(INSERT_TYPES, Statement.RETURN_GENERATED_KEYS)) {
                out.add(ins instanceof com.mysql.cj.jdbc.ServerPreparedStatement);
                for (int row = 0; row < 3; row++) {
                    ins.setByte(1, (byte) (row == 0 ? -128 : 127));
                    ins.setShort(2, (short) (row * 1000 - 32768));
                    ins.setInt(3, row == 2 ? Integer.MAX_VALUE : -row);
                    ins.setLong(4, row == 1 ? Long.MIN_VALUE : row);
                    ins.setString(5, new BigInteger("18446744073709551615").subtract(BigInteger.valueOf(row)).toString());
                    ins.setFloat(6, 1.25f * row);
                    ins.setDouble(7, Math.PI * row);
                    ins.setBigDecimal(8, new BigDecimal("12345678901234567890.0123456789").negate().add(BigDecimal.valueOf(row)));
                    ins.setBoolean(9, row % 2 == 0);
                    ins.setString(10, "row " + row + " \u00e9\u4e2d\uD83D\uDE00");
                    ins.setDate(11, Date.valueOf("2024-02-2" + (row + 7)));
                    ins.setTime(12, Time.valueOf("0" + row + ":30:15"));
                    ins.setTimestamp(13, Timestamp.valueOf("2024-02-29 12:34:56.12345" + row));
                    ins.setBytes(14, new byte[]{0, (byte) row, (byte) 0xFF, 0x27, 0x5C});
                    if (row == 0) {
                        ins.setNull(15, Types.INTEGER);
                    } else {
                        ins.setInt(15, row);
                    }
                    out.add(ins.executeUpdate());
                    try (ResultSet keys = ins.getGeneratedKeys()) {
                        out.add(ConnectorJ.table(keys).rows());
                    }
                }
            }
            try (PreparedStatement sel = c.prepareStatement("SELECT * FROM ps WHERE id >= ? AND vc LIKE ? ORDER BY id")) {
                for (int from = 1; from <= 4; from++) {
                    sel.setInt(1, from);
                    sel.setString(2, "row%");
                    try (ResultSet rs = sel.executeQuery()) {
                        out.add(ConnectorJ.table(rs));
                    }
                }
            }
            return out;
        });
        List<Object> direct = results.get(0);
        assertThat(direct.get(0)).isEqualTo(true);
        assertThat(direct.get(7)).isInstanceOfSatisfying(ConnectorJ.Table.class, t -> assertThat(t.rows()).hasSize(3));
        assertThat(results.get(1)).isEqualTo(direct);
    }

    @ParameterizedTest(name = "rewriteBatchedStatements={0}")
    @ValueSource(booleans = {false, true})
    void batchInsertsGiveTheSameCountsKeysAndRows(boolean rewrite) throws SQLException {
        List<List<Object>> results = both("useServerPrepStmts=true&rewriteBatchedStatements=" + rewrite, c -> {
            List<Object> out = new ArrayList<>();
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TEMPORARY TABLE batch (id INT AUTO_INCREMENT PRIMARY KEY, n INT, s VARCHAR(20))");
            }
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO batch (n, s) VALUES (?, ?)",
                    Statement.RETURN_GENERATED_KEYS)) {
                for (int round = 0; round < 2; round++) {
                    for (int i = 0; i < 50; i++) {
                        ins.setInt(1, round * 100 + i);
                        ins.setString(2, i % 5 == 0 ? null : "v" + i);
                        ins.addBatch();
                    }
                    out.add(Arrays.toString(ins.executeBatch()));
                    try (ResultSet keys = ins.getGeneratedKeys()) {
                        out.add(ConnectorJ.table(keys).rows());
                    }
                }
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM batch ORDER BY id")) {
                out.add(ConnectorJ.table(rs));
            }
            return out;
        });
        List<Object> direct = results.get(0);
        assertThat(direct.get(4)).isInstanceOfSatisfying(ConnectorJ.Table.class, t -> assertThat(t.rows()).hasSize(100));
        assertThat(results.get(1)).isEqualTo(direct);
    }

    @Test
    void cursorFetchReadsTheWholeResultInBatches() throws SQLException {
        List<List<Object>> results = both("useCursorFetch=true&defaultFetchSize=10", c -> {
            List<Object> out = new ArrayList<>();
            long fetchesBefore = comStmtFetch(c);
            try (PreparedStatement ps = c.prepareStatement("SELECT id, v, d FROM big WHERE id > ? ORDER BY id")) {
                out.add(ps instanceof com.mysql.cj.jdbc.ServerPreparedStatement);
                ps.setInt(1, 0);
                try (ResultSet rs = ps.executeQuery()) {
                    out.add(ConnectorJ.table(rs));
                }
                // The statement is still usable after its cursor is exhausted.
                ps.setInt(1, CURSOR_ROWS - 15);
                try (ResultSet rs = ps.executeQuery()) {
                    out.add(ConnectorJ.table(rs));
                }
            }
            out.add(comStmtFetch(c) - fetchesBefore);
            return out;
        });
        List<Object> direct = results.get(0);
        assertThat(direct.get(0)).isEqualTo(true);
        assertThat(direct.get(1)).isInstanceOfSatisfying(ConnectorJ.Table.class,
                t -> assertThat(t.rows()).hasSize(CURSOR_ROWS));
        assertThat((Long) direct.get(3)).as("COM_STMT_FETCH commands").isGreaterThanOrEqualTo(CURSOR_ROWS / 10);
        assertThat(results.get(1)).isEqualTo(direct);
    }

    private static long comStmtFetch(java.sql.Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW SESSION STATUS LIKE 'Com_stmt_fetch'")) {
            assertThat(rs.next()).isTrue();
            return rs.getLong(2);
        }
    }
}
