package io.sluice.proxy.it;

import io.sluice.proxy.config.RoutingConfig;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxServer;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Read/write splitting against the real 3-node cluster. Each server has a table that does not replicate
 * ({@code sluice_it_id.whoami}, written with {@code sql_log_bin=0}) holding its own name, so a plain SELECT
 * through Sluice tells which server answered.
 */
@ExtendWith(ClusterExtension.class)
class ReadWriteSplitTest {
    static final String WHO = "SELECT name FROM sluice_it_id.whoami";
    private static SandboxCluster cluster;
    private static SluiceFixture sluice;
    private static String db;

    @BeforeAll
    static void start(SandboxCluster shared) {
        cluster = shared;
        labelServers(cluster);
        db = "rw_" + Long.toHexString(System.nanoTime());
        cluster.source().execute("CREATE DATABASE " + db);
        cluster.source().execute("CREATE TABLE " + db + ".t (id INT AUTO_INCREMENT PRIMARY KEY, who VARCHAR(32))");
        cluster.awaitReplicasCaughtUp();
        sluice = SluiceFixture.splitting(cluster, RoutingConfig.defaults());
    }

    @AfterAll
    static void stop() {
        if (sluice != null) {
            sluice.close();
        }
        cluster.source().execute("DROP DATABASE IF EXISTS " + db);
    }

    /** Gives each server a row naming it, which does not replicate. */
    static void labelServers(SandboxCluster cluster) {
        for (SandboxServer s : cluster.servers()) {
            s.execute("SET SESSION sql_log_bin = 0; CREATE DATABASE IF NOT EXISTS sluice_it_id;"
                    + " CREATE TABLE IF NOT EXISTS sluice_it_id.whoami (name VARCHAR(32));"
                    + " DELETE FROM sluice_it_id.whoami; INSERT INTO sluice_it_id.whoami VALUES ('" + s.name() + "')");
        }
    }

    static Connection connect(SluiceFixture sluice) throws SQLException {
        return DriverManager.getConnection(sluice.mariadbUrl(SandboxAccounts.APP.user(), SandboxAccounts.APP.password()));
    }

    static String who(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void autocommitReadsLandOnlyOnReplicasAndSpreadOverThem() throws SQLException {
        Map<String, Integer> counts = new HashMap<>();
        try (Connection c = connect(sluice); Statement s = c.createStatement()) {
            for (int i = 0; i < 200; i++) {
                counts.merge(who(s, WHO), 1, Integer::sum);
            }
        }
        assertThat(counts.keySet()).containsExactlyInAnyOrder(cluster.replica(1).name(), cluster.replica(2).name());
    }

    @Test
    void writesRunOnTheSource() throws SQLException {
        try (Connection c = connect(sluice); Statement s = c.createStatement()) {
            // The row records which server executed the INSERT ... SELECT.
            s.executeUpdate("INSERT INTO " + db + ".t (who) SELECT name FROM sluice_it_id.whoami");
        }
        assertThat(cluster.source().queryValue("SELECT who FROM " + db + ".t ORDER BY id DESC LIMIT 1"))
                .isEqualTo(cluster.source().name());
    }

    @Test
    void aTransactionStaysOnTheSourceForItsWholeLife() throws SQLException {
        Set<String> seen = new HashSet<>();
        try (Connection c = connect(sluice); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            for (int i = 0; i < 10; i++) {
                seen.add(who(s, WHO));
            }
            s.executeUpdate("INSERT INTO " + db + ".t (who) VALUES ('tx')");
            seen.add(who(s, WHO));
            c.commit();
            c.setAutoCommit(true);
            // After the transaction, reads go back to the replicas.
            assertThat(who(s, WHO)).startsWith("replica");
        }
        assertThat(seen).containsExactly(cluster.source().name());
    }

    @Test
    void aReadOnlyTransactionStaysOnOneReplica() throws SQLException {
        Set<String> seen = new HashSet<>();
        try (Connection c = connect(sluice); Statement s = c.createStatement()) {
            s.execute("START TRANSACTION READ ONLY");
            for (int i = 0; i < 20; i++) {
                seen.add(who(s, WHO));
            }
            s.execute("COMMIT");
        }
        assertThat(seen).hasSize(1);
        assertThat(seen.iterator().next()).startsWith("replica");
    }

    @Test
    void lockingReadsGoToTheSource() throws SQLException {
        try (Connection c = connect(sluice); Statement s = c.createStatement()) {
            assertThat(who(s, WHO + " FOR UPDATE")).isEqualTo(cluster.source().name());
            assertThat(who(s, WHO + " LOCK IN SHARE MODE")).isEqualTo(cluster.source().name());
            assertThat(who(s, "/* sluice:source */ " + WHO)).isEqualTo(cluster.source().name());
        }
    }

    @Test
    void sessionStateFollowsTheSessionAcrossServers() throws SQLException {
        try (Connection c = connect(sluice); Statement s = c.createStatement()) {
            s.execute("USE " + db);
            s.execute("SET NAMES utf8mb4 COLLATE utf8mb4_bin");
            s.execute("SET SESSION sql_mode = 'ANSI_QUOTES'");
            s.execute("SET SESSION group_concat_max_len = 4242");
            for (int i = 0; i < 6; i++) {
                try (ResultSet rs = s.executeQuery("SELECT DATABASE(), @@collation_connection, @@sql_mode,"
                        + " @@group_concat_max_len, (SELECT name FROM sluice_it_id.whoami)")) {
                    rs.next();
                    assertThat(rs.getString(5)).startsWith("replica");
                    assertThat(rs.getString(1)).isEqualTo(db);
                    assertThat(rs.getString(2)).isEqualTo("utf8mb4_bin");
                    assertThat(rs.getString(3)).isEqualTo("ANSI_QUOTES");
                    assertThat(rs.getLong(4)).isEqualTo(4242);
                }
            }
            // A write on the source sees the same state (the source connection gets it replayed).
            try (ResultSet rs = s.executeQuery("SELECT @@sql_mode, (SELECT name FROM sluice_it_id.whoami) FOR UPDATE")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("ANSI_QUOTES");
                assertThat(rs.getString(2)).isEqualTo(cluster.source().name());
            }
        }
    }

    @Test
    void temporaryTablesAndUserVariablesPinTheSessionToTheSource() throws SQLException {
        try (Connection c = connect(sluice); Statement s = c.createStatement()) {
            s.execute("CREATE TEMPORARY TABLE " + db + ".tmp (x INT)");
            s.execute("INSERT INTO " + db + ".tmp VALUES (7)");
            try (ResultSet rs = s.executeQuery("SELECT x, (SELECT name FROM sluice_it_id.whoami) FROM " + db + ".tmp")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(7);
                assertThat(rs.getString(2)).isEqualTo(cluster.source().name());
            }
            assertThat(who(s, WHO)).as("pinned: every read on the source").isEqualTo(cluster.source().name());
        }
        try (Connection c = connect(sluice); Statement s = c.createStatement()) {
            s.execute("SET @answer = 42");
            try (ResultSet rs = s.executeQuery("SELECT @answer, (SELECT name FROM sluice_it_id.whoami)")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(42);
                assertThat(rs.getString(2)).isEqualTo(cluster.source().name());
            }
        }
    }

    @Test
    void preparedReadsRunOnReplicasAndPreparedWritesOnTheSource() throws SQLException {
        String url = sluice.mariadbUrl(SandboxAccounts.APP.user(), SandboxAccounts.APP.password())
                + "&useServerPrepStmts=true";
        Set<String> readers = new HashSet<>();
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement read = c.prepareStatement("SELECT name FROM sluice_it_id.whoami WHERE ? = ?");
             PreparedStatement write = c.prepareStatement("INSERT INTO " + db + ".t (who) SELECT name FROM"
                     + " sluice_it_id.whoami WHERE ? = ?")) {
            for (int i = 0; i < 40; i++) {
                read.setInt(1, i);
                read.setInt(2, i);
                try (ResultSet rs = read.executeQuery()) {
                    rs.next();
                    readers.add(rs.getString(1));
                }
            }
            write.setInt(1, 1);
            write.setInt(2, 1);
            assertThat(write.executeUpdate()).isEqualTo(1);
        }
        assertThat(readers).containsExactlyInAnyOrder(cluster.replica(1).name(), cluster.replica(2).name());
        assertThat(cluster.source().queryValue("SELECT who FROM " + db + ".t ORDER BY id DESC LIMIT 1"))
                .isEqualTo(cluster.source().name());
    }

    @Test
    void withOnlyTheSourceConfiguredReadsStayThere() throws SQLException {
        // The control: the same reads through a Sluice that knows no replica all land on the source, so the
        // whoami check can tell the two setups apart.
        try (SluiceFixture single = SluiceFixture.start(cluster); Connection c = connect(single);
             Statement s = c.createStatement()) {
            for (int i = 0; i < 20; i++) {
                assertThat(who(s, WHO)).isEqualTo(cluster.source().name());
            }
        }
    }
}
