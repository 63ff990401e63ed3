package io.sluice.proxy.it;

import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Values that are easy to damage in transit, through Sluice compared with direct, in the text protocol and with
 * server-side prepared statements: NULL, DECIMAL(30,10), DATETIME(6), JSON, utf8mb4 (emoji, CJK), BIGINT UNSIGNED
 * max, DOUBLE, BIT; and a 20 MiB BLOB, whose packets span two 16 MiB frames in both directions.
 */
@ExtendWith(ClusterExtension.class)
class ConnectorJTypesTest {
    private static final String EMOJI_CJK = "\uD83D\uDE00 \u65e5\u672c\u8a9e \ud55c\uad6d\uc5b4 \u4e2d\u6587";
    private static final int BLOB_SIZE = 20 * 1024 * 1024;
    private static SandboxCluster cluster;
    private static SluiceFixture sluice;
    private static String db;

    @BeforeAll
    static void start(SandboxCluster sandbox) throws SQLException {
        cluster = sandbox;
        db = ConnectorJ.uniqueName("cj_types");
        ConnectorJ.createDatabase(cluster, db);
        ConnectorJ.asRoot(cluster,
                "CREATE TABLE " + db + ".vals (id INT PRIMARY KEY, n INT, dec30 DECIMAL(30,10), dt DATETIME(6), js JSON,"
                        + " txt VARCHAR(100) CHARACTER SET utf8mb4, ubig BIGINT UNSIGNED, dbl DOUBLE, bits BIT(10),"
                        + " bit1 BIT(1))",
                "INSERT INTO " + db + ".vals VALUES (1, NULL, 12345678901234567890.0123456789,"
                        + " '2024-02-29 23:59:59.999999', '{\"k\": [1, 2.5, \"\u00e9\", null]}', '" + EMOJI_CJK + "',"
                        + " 18446744073709551615, 1.7976931348623157E308, b'1010101010', b'1'),"
                        + " (2, -1, -0.0000000001, '1000-01-01 00:00:00.000001', 'null', '', 0, -4.9E-324, b'0', b'0'),"
                        + " (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
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

    @ParameterizedTest(name = "useServerPrepStmts={0}")
    @ValueSource(booleans = {false, true})
    void valuesReadAndWrittenAreTheSame(boolean serverPrepared) throws SQLException {
        List<List<Object>> results = both("useServerPrepStmts=" + serverPrepared, c -> {
            List<Object> out = new ArrayList<>();
            try (PreparedStatement sel = c.prepareStatement("SELECT * FROM vals WHERE id >= ? ORDER BY id")) {
                sel.setInt(1, 1);
                try (ResultSet rs = sel.executeQuery()) {
                    out.add(ConnectorJ.table(rs));
                }
            }
            // The same values written back through a prepared statement, then read.
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TEMPORARY TABLE copy LIKE vals");
            }
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO copy VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ins.setInt(1, 1);
                ins.setNull(2, java.sql.Types.INTEGER);
                ins.setBigDecimal(3, new BigDecimal("-12345678901234567890.0123456789"));
                ins.setObject(4, LocalDateTime.parse("2024-02-29T23:59:59.999999"));
                ins.setString(5, "{\"emoji\": \"" + EMOJI_CJK + "\"}");
                ins.setString(6, EMOJI_CJK);
                ins.setString(7, "18446744073709551615");
                ins.setDouble(8, Double.MIN_VALUE);
                ins.setInt(9, 0b1000000001);
                ins.setBoolean(10, true);
                out.add(ins.executeUpdate());
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM copy")) {
                out.add(ConnectorJ.table(rs));
            }
            return out;
        });
        List<Object> direct = results.get(0);
        ConnectorJ.Table read = (ConnectorJ.Table) direct.get(0);
        assertThat(read.rows()).hasSize(3);
        assertThat(read.rows().get(0)).contains(EMOJI_CJK, new BigInteger("18446744073709551615"),
                new BigDecimal("12345678901234567890.0123456789"), LocalDateTime.parse("2024-02-29T23:59:59.999999"));
        assertThat(read.rows().get(2)).containsOnlyOnce(3).filteredOn(v -> v != null).hasSize(1);
        assertThat(results.get(1)).isEqualTo(direct);
    }

    @ParameterizedTest(name = "useServerPrepStmts={0}")
    @ValueSource(booleans = {false, true})
    void twentyMebibyteBlobRoundTripsByteForByte(boolean serverPrepared) throws SQLException {
        byte[] blob = new byte[BLOB_SIZE];
        new Random(20240229L).nextBytes(blob);
        String sha256 = sha256(blob);
        List<List<Object>> results = both("useServerPrepStmts=" + serverPrepared, c -> {
            List<Object> out = new ArrayList<>();
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TEMPORARY TABLE blobs (id INT PRIMARY KEY, data LONGBLOB)");
            }
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO blobs VALUES (?, ?)")) {
                ins.setInt(1, 1);
                ins.setBytes(2, blob);
                out.add(ins.executeUpdate());
                // As a stream: with server-side prepared statements Connector/J sends it with COM_STMT_SEND_LONG_DATA.
                ins.setInt(1, 2);
                ins.setBinaryStream(2, new ByteArrayInputStream(blob), blob.length);
                out.add(ins.executeUpdate());
            }
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT id, LENGTH(data), SHA2(data, 256) FROM blobs ORDER BY id")) {
                out.add(ConnectorJ.table(rs).rows());
            }
            try (PreparedStatement sel = c.prepareStatement("SELECT data FROM blobs WHERE id = ?")) {
                for (int id = 1; id <= 2; id++) {
                    sel.setInt(1, id);
                    try (ResultSet rs = sel.executeQuery()) {
                        assertThat(rs.next()).isTrue();
                        byte[] read = rs.getBytes(1);
                        out.add(read.length == blob.length && java.util.Arrays.equals(read, blob)
                                ? "identical" : "differs: " + read.length + " bytes, sha256 " + sha256(read));
                        assertThat(rs.next()).isFalse();
                    }
                }
            }
            return out;
        });
        List<Object> expected = List.of(1, 1, List.of(List.of(1, BLOB_SIZE, sha256),
                List.of(2, BLOB_SIZE, sha256)), "identical", "identical");
        assertThat(results.get(0)).isEqualTo(expected);
        assertThat(results.get(1)).isEqualTo(expected);
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
