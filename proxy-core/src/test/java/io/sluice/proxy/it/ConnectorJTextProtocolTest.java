package io.sluice.proxy.it;

import io.sluice.proxy.it.ConnectorJ.SqlError;
import io.sluice.proxy.it.ConnectorJ.Table;
import io.sluice.proxy.it.ConnectorJ.UpdateCount;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Connector/J's text protocol (COM_QUERY) through Sluice compared with the same calls made directly to the source:
 * result sets with their column metadata, multi-statements, stored procedures, errors and warnings, COM_PING and
 * COM_RESET_CONNECTION.
 */
@ExtendWith(ClusterExtension.class)
class ConnectorJTextProtocolTest {
    private static SandboxCluster cluster;
    private static SluiceFixture sluice;
    private static String db;

    @BeforeAll
    static void start(SandboxCluster sandbox) throws SQLException {
        cluster = sandbox;
        db = ConnectorJ.uniqueName("cj_text");
        ConnectorJ.createDatabase(cluster, db);
        ConnectorJ.asRoot(cluster,
                "CREATE TABLE " + db + ".items (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(40) NOT NULL,"
                        + " price DECIMAL(10,2), created DATETIME(3))",
                "INSERT INTO " + db + ".items (name, price, created) VALUES ('a', 1.50, '2024-01-02 03:04:05.678'),"
                        + " ('b', NULL, NULL), ('c', 99999999.99, '1999-12-31 23:59:59.999')",
                "CREATE PROCEDURE " + db + ".two_sets(IN n INT, OUT doubled INT, OUT label VARCHAR(20))\n"
                        + "BEGIN\n"
                        + "  SELECT id, name FROM items WHERE id <= n ORDER BY id;\n"
                        + "  SELECT COUNT(*) AS total, SUM(price) AS sum_price FROM items;\n"
                        + "  SET doubled = n * 2;\n"
                        + "  SET label = CONCAT('n=', n);\n"
                        + "END");
        sluice = SluiceFixture.start(cluster);
    }

    @AfterAll
    static void stop() throws SQLException {
        if (sluice != null) {
            sluice.close();
        }
        ConnectorJ.dropDatabase(cluster, db);
    }

    /** Runs {@code body} directly and through Sluice, with the same properties, and returns both outcomes. */
    private static <T> List<T> both(String extra, ConnectorJ.SqlFunction<T> body) throws SQLException {
        return ConnectorJ.both(cluster, sluice, db, extra, body);
    }

    @Test
    void selectOfManyTypesHasTheSameValuesAndColumnMetadata() throws SQLException {
        List<Table> results = both("", c -> {
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT 1 AS one, -128 AS small, 18446744073709551615 AS ubig,"
                         + " CAST(12.5 AS DECIMAL(8,3)) AS dec3, 1e308 AS dbl, CAST(1.5 AS FLOAT) AS flt,"
                         + " 'text' AS txt, _utf8mb4'\u00e9\u4e2d\uD83D\uDE00' AS uni, NULL AS nothing,"
                         + " DATE '2024-02-29' AS d, TIME '23:59:58' AS t, TIMESTAMP '2024-02-29 12:34:56.789' AS ts,"
                         + " x'00ff10' AS bin, b'101' AS bits, JSON_OBJECT('k', 1) AS js, items.*"
                         + " FROM items ORDER BY id")) {
                return ConnectorJ.table(rs);
            }
        });
        assertThat(results.get(0).rows()).hasSize(3);
        assertThat(results.get(1)).isEqualTo(results.get(0));
    }

    @Test
    void multiStatementsGiveTheSameResultSetsAndUpdateCounts() throws SQLException {
        List<List<Object>> results = both("allowMultiQueries=true", c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TEMPORARY TABLE tmp_multi (id INT PRIMARY KEY, v VARCHAR(10))");
                boolean first = s.execute("INSERT INTO tmp_multi VALUES (1, 'x'), (2, 'y'), (3, 'z');"
                        + " SELECT * FROM tmp_multi ORDER BY id;"
                        + " UPDATE tmp_multi SET v = 'w' WHERE id >= 2;"
                        + " SELECT COUNT(*) FROM tmp_multi WHERE v = 'w';"
                        + " DELETE FROM tmp_multi WHERE id = 1;"
                        + " SELECT v FROM tmp_multi WHERE id = 99");
                return ConnectorJ.results(s, first);
            }
        });
        assertThat(results.get(0)).hasSize(6);
        assertThat(results.get(0).get(0)).isEqualTo(new UpdateCount(3));
        assertThat(results.get(0).get(2)).isEqualTo(new UpdateCount(2));
        assertThat(results.get(1)).isEqualTo(results.get(0));
    }

    @Test
    void storedProcedureGivesTheSameResultSetsAndOutParameters() throws SQLException {
        List<List<Object>> results = both("", c -> {
            try (CallableStatement call = c.prepareCall("{CALL two_sets(?, ?, ?)}")) {
                call.setInt(1, 2);
                call.registerOutParameter(2, Types.INTEGER);
                call.registerOutParameter(3, Types.VARCHAR);
                List<Object> out = new ArrayList<>(ConnectorJ.results(call, call.execute()));
                out.add(call.getInt(2));
                out.add(call.getString(3));
                return out;
            }
        });
        List<Object> direct = results.get(0);
        assertThat(direct).filteredOn(Table.class::isInstance).hasSize(2);
        assertThat(direct).endsWith(4, "n=2");
        assertThat(results.get(1)).isEqualTo(direct);
    }

    @Test
    void badSqlGivesTheSameErrorAndTheConnectionStaysUsable() throws SQLException {
        List<List<Object>> results = both("", c -> {
            List<Object> out = new ArrayList<>();
            try (Statement s = c.createStatement()) {
                for (String bad : List.of("SELEC 1", "SELECT * FROM no_such_table", "SELECT no_such_column FROM items",
                        "INSERT INTO items (id, name) VALUES (1, 'dup')")) {
                    try {
                        s.execute(bad);
                        out.add("no error for " + bad);
                    } catch (SQLException e) {
                        out.add(SqlError.of(e));
                    }
                }
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM items")) {
                    out.add(ConnectorJ.table(rs));
                }
            }
            return out;
        });
        assertThat(results.get(0)).startsWith(new SqlError(1064, "42000",
                "You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version"
                        + " for the right syntax to use near 'SELEC 1' at line 1"));
        assertThat(results.get(0)).element(3).extracting(e -> ((SqlError) e).code()).isEqualTo(1062);
        assertThat(results.get(1)).isEqualTo(results.get(0));
    }

    @Test
    void warningsAreTheSame() throws SQLException {
        List<List<Object>> results = both("", c -> {
            try (Statement s = c.createStatement()) {
                s.execute("SET SESSION sql_mode = 'ERROR_FOR_DIVISION_BY_ZERO'");
                List<Object> out = new ArrayList<>();
                try (ResultSet rs = s.executeQuery("SELECT 1 / 0, CAST('12abc' AS SIGNED)")) {
                    out.add(ConnectorJ.table(rs));
                }
                out.add(ConnectorJ.warnings(s.getWarnings()));
                return out;
            }
        });
        @SuppressWarnings("unchecked")
        List<SqlError> directWarnings = (List<SqlError>) results.get(0).get(1);
        assertThat(directWarnings).extracting(SqlError::code).containsExactly(1365, 1292);
        assertThat(results.get(1)).isEqualTo(results.get(0));
    }

    @Test
    void pingAndResetServerStateWork() throws SQLException {
        List<List<Object>> results = both("", c -> {
            List<Object> out = new ArrayList<>();
            out.add(c.isValid(5));
            try (Statement s = c.createStatement()) {
                s.execute("SET @sluice_user_var = 42");
                s.execute("CREATE TEMPORARY TABLE tmp_reset (id INT)");
                c.unwrap(com.mysql.cj.jdbc.JdbcConnection.class).resetServerState();
                try (ResultSet rs = s.executeQuery("SELECT @sluice_user_var")) {
                    out.add(ConnectorJ.table(rs).rows());
                }
                try {
                    s.executeQuery("SELECT * FROM tmp_reset").close();
                    out.add("temporary table survived the reset");
                } catch (SQLException e) {
                    out.add(SqlError.of(e).code());
                }
            }
            out.add(c.isValid(5));
            return out;
        });
        List<Object> direct = results.get(0);
        assertThat(direct).containsExactly(true, List.of(java.util.Collections.singletonList(null)), 1146, true);
        assertThat(results.get(1)).isEqualTo(direct);
    }
}
