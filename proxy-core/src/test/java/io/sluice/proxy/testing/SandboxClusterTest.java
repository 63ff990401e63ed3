package io.sluice.proxy.testing;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxServer;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The sandbox cluster against real servers, through MariaDB Connector/J as the application would connect. */
@ExtendWith(ClusterExtension.class)
class SandboxClusterTest {
    private static final Logger log = LoggerFactory.getLogger(SandboxClusterTest.class);

    @Test
    void startsOneSourceAndTwoReplicasOnLoopback(SandboxCluster cluster) {
        log.info("Shared sandbox cluster took {} ms to start", cluster.startupTime().toMillis());
        assertThat(cluster.replicas()).hasSize(2);
        assertThat(cluster.servers()).extracting(SandboxServer::host).containsOnly("127.0.0.1");
        assertThat(cluster.servers()).extracting(SandboxServer::port).doesNotHaveDuplicates();
        assertThat(cluster.servers()).extracting(SandboxServer::serverId).containsExactly(1, 2, 3);
        assertThat(cluster.servers()).allSatisfy(s -> {
            assertThat(s.isAlive()).isTrue();
            assertThat(s.queryValue("SELECT @@bind_address")).isEqualTo("127.0.0.1");
            assertThat(s.queryValue("SELECT @@log_bin")).isEqualTo("1");
            assertThat(s.queryValue("SELECT @@binlog_format")).isEqualTo("ROW");
        });
    }

    @Test
    void rowInsertedOnSourceAppearsOnEveryReplica(SandboxCluster cluster) throws SQLException {
        String db = uniqueDatabase();
        try (Connection source = connect(cluster.source()); Statement st = source.createStatement()) {
            st.execute("CREATE DATABASE " + db);
            st.execute("CREATE TABLE " + db + ".t (id INT PRIMARY KEY, v VARCHAR(20))");
            st.execute("INSERT INTO " + db + ".t VALUES (1, 'hello')");
        }
        for (SandboxServer replica : cluster.replicas()) {
            try (Connection c = connect(replica)) {
                await().atMost(30, SECONDS).untilAsserted(() ->
                        assertThat(rows(c, "SELECT v FROM " + db + ".t WHERE id = 1")).containsExactly("hello"));
            }
        }
    }

    @Test
    void awaitReplicasCaughtUpReturnsOnceReplicasHaveTheSourcesGtids(SandboxCluster cluster) throws SQLException {
        String db = uniqueDatabase();
        try (Connection source = connect(cluster.source()); Statement st = source.createStatement()) {
            st.execute("CREATE DATABASE " + db);
            st.execute("CREATE TABLE " + db + ".t (id INT PRIMARY KEY)");
            for (int i = 0; i < 50; i++) {
                st.execute("INSERT INTO " + db + ".t VALUES (" + i + ")");
            }
        }
        cluster.awaitReplicasCaughtUp();
        String sourcePosition = cluster.source().gtidPosition();
        for (SandboxServer replica : cluster.replicas()) {
            assertThat(replica.gtidPosition()).isEqualTo(sourcePosition);
            assertThat(replica.queryValue("SELECT COUNT(*) FROM " + db + ".t")).isEqualTo("50");
        }
    }

    @Test
    void replicasAreReadOnlyAndReplicatingWithGtid(SandboxCluster cluster) {
        assertThat(cluster.source().queryValue("SELECT @@read_only")).isEqualTo("0");
        assertThat(cluster.source().replicationStatus()).isEmpty();
        for (SandboxServer replica : cluster.replicas()) {
            assertThat(replica.queryValue("SELECT @@read_only")).isEqualTo("1");
            assertThat(replica.queryValue("SELECT @@gtid_strict_mode")).isEqualTo("1");
            Map<String, String> status = replica.replicationStatus();
            assertThat(status)
                    .containsEntry("Slave_IO_Running", "Yes")
                    .containsEntry("Slave_SQL_Running", "Yes")
                    .containsEntry("Master_Host", "127.0.0.1")
                    .containsEntry("Master_Port", Integer.toString(cluster.source().port()))
                    .containsEntry("Master_User", SandboxAccounts.REPLICATION.user())
                    .containsEntry("Using_Gtid", "Slave_Pos");
        }
    }

    @Test
    void readOnlyRejectsTheApplicationsWritesOnAReplica(SandboxCluster cluster) throws SQLException {
        try (Connection replica = connect(cluster.replica(1)); Statement st = replica.createStatement()) {
            assertThatThrownBy(() -> st.execute("CREATE DATABASE " + uniqueDatabase()))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getErrorCode()).isEqualTo(1290));
        }
    }

    @Test
    void everyAccountCanLogInOverTcpOnEveryServer(SandboxCluster cluster) throws SQLException {
        for (SandboxServer server : cluster.servers()) {
            for (var account : List.of(SandboxAccounts.ROOT, SandboxAccounts.MONITOR, SandboxAccounts.APP,
                    SandboxAccounts.REPLICATION)) {
                try (Connection c = DriverManager.getConnection(server.jdbcUrl(account))) {
                    assertThat(rows(c, "SELECT CURRENT_USER()"))
                            .containsExactly(account.user() + "@127.0.0.1");
                }
            }
        }
        // What the proxy's monitor will run.
        try (Connection monitor = DriverManager.getConnection(cluster.replica(1).jdbcUrl(SandboxAccounts.MONITOR));
                Statement st = monitor.createStatement()) {
            try (ResultSet rs = st.executeQuery("SHOW SLAVE STATUS")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("Slave_SQL_Running")).isEqualTo("Yes");
            }
            assertThat(rows(monitor, "SELECT COUNT(*) FROM mysql.user")).isNotEmpty();
            st.executeQuery("SHOW BINARY LOGS").close();
        }
    }

    @Test
    void killedReplicaComesBackReplicatingAfterStart(@FreshCluster(replicas = 1) SandboxCluster cluster)
            throws SQLException {
        SandboxServer replica = cluster.replica(1);
        int port = replica.port();
        long oldPid = replica.pid();
        replica.kill9();
        assertThat(replica.isAlive()).isFalse();
        assertThat(ProcessHandle.of(oldPid)).isEmpty();

        String db = uniqueDatabase();
        cluster.source().execute("CREATE DATABASE " + db + "; CREATE TABLE " + db + ".t (id INT PRIMARY KEY); "
                + "INSERT INTO " + db + ".t VALUES (1), (2)");

        replica.start();
        assertThat(replica.port()).isEqualTo(port);
        assertThat(replica.pid()).isNotEqualTo(oldPid);
        await().atMost(30, SECONDS).until(replica::isReplicating);
        cluster.awaitReplicasCaughtUp();
        try (Connection c = connect(replica)) {
            assertThat(rows(c, "SELECT COUNT(*) FROM " + db + ".t")).containsExactly("2");
        }
    }

    @Test
    void stoppedAndPausedServersRecover(@FreshCluster(replicas = 1) SandboxCluster cluster) {
        SandboxServer replica = cluster.replica(1);
        replica.stop();
        assertThat(replica.isAlive()).isFalse();
        replica.start();
        cluster.awaitReplicating(replica, Duration.ofSeconds(30));

        replica.pause();
        assertThat(replica.isPaused()).isTrue();
        assertThat(replica.isAlive()).isTrue();
        cluster.source().execute("CREATE DATABASE " + uniqueDatabase());
        replica.resume();
        cluster.awaitReplicasCaughtUp();
        assertThat(replica.isReplicating()).isTrue();
    }

    @Test
    void closeLeavesNoProcessAndNoDirectory() {
        SandboxCluster cluster = SandboxCluster.start();
        List<Long> pids = new ArrayList<>();
        cluster.servers().forEach(s -> pids.add(s.pid()));
        assertThat(cluster.baseDir()).isDirectory();

        cluster.close();

        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid)).isEmpty());
        assertThat(cluster.servers()).noneMatch(SandboxServer::isAlive);
        assertThat(Files.exists(cluster.baseDir())).isFalse();
        cluster.close(); // idempotent
    }

    @Test
    void semiSyncClusterAcknowledgesCommits(@FreshCluster(replicas = 1, semiSync = true) SandboxCluster cluster) {
        cluster.source().execute("CREATE DATABASE " + uniqueDatabase());
        assertThat(cluster.source().queryValue("SELECT @@rpl_semi_sync_master_enabled")).isEqualTo("1");
        assertThat(cluster.replica(1).queryValue("SELECT @@rpl_semi_sync_slave_enabled")).isEqualTo("1");
        await().atMost(30, SECONDS).untilAsserted(() -> assertThat(cluster.source().query(
                "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_yes_tx'").get(0).get(1)).isNotEqualTo("0"));
    }

    private static Connection connect(SandboxServer server) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(SandboxAccounts.APP));
    }

    private static List<String> rows(Connection c, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    private static String uniqueDatabase() {
        return "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }
}
