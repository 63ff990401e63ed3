package io.sluice.proxy.it;

import io.sluice.protocol.gtid.GtidSet;
import io.sluice.proxy.config.RoutingConfig;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writes that do not look like a plain INSERT still advance the session's GTIDs, and the session reads them back
 * (through a replica that has them, or the source): server-side prepared statements, multi-statement texts, stored
 * procedures. Each case checks the token against the source's binlog before and after, then reads the rows.
 */
@ExtendWith(ClusterExtension.class)
class WriteShapesTest {
    private static SandboxCluster cluster;
    private static SluiceFixture sluice;

    @BeforeAll
    static void start(SandboxCluster shared) {
        cluster = shared;
        cluster.source().execute("CREATE DATABASE IF NOT EXISTS shapes;"
                + " CREATE TABLE IF NOT EXISTS shapes.t (id INT AUTO_INCREMENT PRIMARY KEY, tag VARCHAR(32))");
        sluice = SluiceFixture.splitting(cluster, RoutingConfig.defaults());
        // Through Sluice (a write: the source), since the mariadb CLI would split the body at its semicolons.
        try (Connection c = connect(""); Statement s = c.createStatement()) {
            s.execute("CREATE OR REPLACE PROCEDURE shapes.two(IN x VARCHAR(32)) BEGIN"
                    + " INSERT INTO shapes.t (tag) VALUES (x); INSERT INTO shapes.t (tag) VALUES (CONCAT(x, '+')); END");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        cluster.awaitReplicasCaughtUp();
    }

    @AfterAll
    static void stop() {
        if (sluice != null) {
            sluice.close();
        }
    }

    private static Connection connect(String options) throws SQLException {
        return DriverManager.getConnection(sluice.mariadbUrl(SandboxAccounts.APP.user(), SandboxAccounts.APP.password())
                + options);
    }

    private static GtidSet binlogPos() {
        return GtidSet.parse(cluster.source().queryValue("SELECT @@GLOBAL.gtid_binlog_pos"));
    }

    private static GtidSet token(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT sluice_last_gtid()")) {
            rs.next();
            return GtidSet.parse(rs.getString(1));
        }
    }

    private static int count(Statement s, String tag) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM shapes.t WHERE tag LIKE '" + tag + "%'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** The token covers everything committed by {@code after} (the writes), and was not reached by {@code before}. */
    private static void assertTokenAdvancedTo(GtidSet token, GtidSet before, GtidSet after) {
        assertThat(token.contains(before)).as("token %s covers %s", token, before).isTrue();
        assertThat(before.contains(token)).as("token %s is past %s", token, before).isFalse();
        assertThat(after.contains(token)).as("token %s committed by %s", token, after).isTrue();
    }

    @Test
    void serverSidePreparedInsert() throws Exception {
        try (Connection c = connect("&useServerPrepStmts=true"); Statement s = c.createStatement();
             PreparedStatement insert = c.prepareStatement("INSERT INTO shapes.t (tag) VALUES (?)")) {
            for (int i = 0; i < 20; i++) {
                GtidSet before = binlogPos();
                insert.setString(1, "ps" + i);
                insert.executeUpdate();
                assertTokenAdvancedTo(token(s), before, binlogPos());
                assertThat(count(s, "ps" + i)).as("read after prepared write %d", i).isEqualTo(1);
            }
        }
    }

    @Test
    void multiStatementText() throws Exception {
        try (Connection c = connect("&allowMultiQueries=true"); Statement s = c.createStatement()) {
            for (int i = 0; i < 20; i++) {
                GtidSet before = binlogPos();
                s.execute("INSERT INTO shapes.t (tag) VALUES ('multi" + i + "a'); INSERT INTO shapes.t (tag) VALUES ('multi"
                        + i + "b')");
                while (s.getMoreResults() || s.getUpdateCount() != -1) {
                    // drain both update counts
                }
                GtidSet after = binlogPos();
                assertTokenAdvancedTo(token(s), before, after);
                assertThat(count(s, "multi" + i)).as("read after multi-statement write %d", i).isEqualTo(2);
            }
        }
    }

    @Test
    void storedProcedureThatCommitsTwice() throws Exception {
        try (Connection c = connect(""); Statement s = c.createStatement()) {
            for (int i = 0; i < 20; i++) {
                GtidSet before = binlogPos();
                s.execute("CALL shapes.two('proc" + i + "')");
                assertTokenAdvancedTo(token(s), before, binlogPos());
                assertThat(count(s, "proc" + i)).as("read after procedure %d", i).isEqualTo(2);
            }
        }
    }
}
