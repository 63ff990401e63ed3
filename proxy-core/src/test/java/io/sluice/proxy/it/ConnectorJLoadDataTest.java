package io.sluice.proxy.it;

import io.sluice.proxy.it.ConnectorJ.SqlError;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code LOAD DATA LOCAL INFILE} through Sluice compared with direct: the server asks for the file (0xFB), the driver
 * streams it, Sluice relays it up to the empty packet and the server's OK; a missing file ends the exchange early.
 */
@ExtendWith(ClusterExtension.class)
class ConnectorJLoadDataTest {
    private static final int ROWS = 10_000;
    private static SandboxCluster cluster;
    private static SluiceFixture sluice;
    private static String db;

    @BeforeAll
    static void start(SandboxCluster sandbox) throws SQLException {
        cluster = sandbox;
        db = ConnectorJ.uniqueName("cj_load");
        ConnectorJ.createDatabase(cluster, db);
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

    @Test
    void loadsTenThousandRows(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rows.tsv");
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 1; i <= ROWS; i++) {
                w.write(i + "\tname-" + i + "-\u00e9\u4e2d\t" + (i * 0.5) + "\n");
            }
        }
        String sqlPath = file.toAbsolutePath().toString().replace("\\", "\\\\").replace("'", "\\'");
        List<List<Object>> results = both("allowLoadLocalInfile=true", c -> {
            List<Object> out = new ArrayList<>();
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TEMPORARY TABLE loaded (id INT PRIMARY KEY, name VARCHAR(40), x DECIMAL(10,1))");
                out.add(s.executeUpdate("LOAD DATA LOCAL INFILE '" + sqlPath + "' INTO TABLE loaded"
                        + " CHARACTER SET utf8mb4"));
                out.add(ConnectorJ.warnings(s.getWarnings()));
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*), SUM(id), MAX(name), SUM(x) FROM loaded")) {
                    out.add(ConnectorJ.table(rs).rows());
                }
            }
            return out;
        });
        assertThat(results.get(0).get(0)).isEqualTo(ROWS);
        assertThat(results.get(1)).isEqualTo(results.get(0));
    }

    @Test
    void missingFileGivesAnErrorAndTheConnectionStaysUsable(@TempDir Path dir) throws IOException, SQLException {
        String missing = dir.resolve("does-not-exist.tsv").toAbsolutePath().toString();
        List<List<Object>> results = both("allowLoadLocalInfile=true", c -> {
            List<Object> out = new ArrayList<>();
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TEMPORARY TABLE loaded (id INT PRIMARY KEY)");
                try {
                    s.executeUpdate("LOAD DATA LOCAL INFILE '" + missing + "' INTO TABLE loaded");
                    out.add("no error");
                } catch (SQLException e) {
                    out.add(e.getClass().getName());
                    // The driver's message embeds its own local stack trace (our line numbers); the rest is compared.
                    SqlError error = SqlError.of(e);
                    int nested = error.message().indexOf("** BEGIN NESTED EXCEPTION **");
                    out.add(new SqlError(error.code(), error.sqlState(),
                            nested < 0 ? error.message() : error.message().substring(0, nested)));
                }
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*), 'still usable' FROM loaded")) {
                    out.add(ConnectorJ.table(rs).rows());
                }
            }
            return out;
        });
        assertThat(results.get(0)).hasSize(3).doesNotContain("no error");
        assertThat(results.get(1)).isEqualTo(results.get(0));
    }
}
