package io.sluice.proxy.gtid;

import io.sluice.protocol.gtid.GtidSet;
import io.sluice.proxy.backend.BackendEndpoint;
import io.sluice.proxy.monitor.MonitorSettings;
import io.sluice.proxy.monitor.MonitoredBackend;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.testing.MySqlContainerCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.MySQLContainer;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The MySQL code path (seed from {@code @@gtid_executed}, stream by GTID, commits found by transaction length) against
 * MySQL 8.0 in Docker. Skipped, not failed, where no Docker engine runs.
 */
@Testcontainers(disabledWithoutDocker = true)
class GtidTrackerMySqlTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(20);
    private static MySqlContainerCluster cluster;

    private GtidTracker tracker;
    private final List<String> fired = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startCluster() {
        cluster = MySqlContainerCluster.start(2);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void closeTracker() {
        if (tracker != null) {
            tracker.close();
        }
    }

    private static String name(MySQLContainer<?> node) {
        return node.getNetworkAliases().get(node.getNetworkAliases().size() - 1);
    }

    private GtidTracker streaming() {
        List<MonitoredBackend> backends = cluster.nodes().stream().map(n -> new MonitoredBackend(
                new BackendEndpoint(name(n), n.getHost(), n.getMappedPort(3306)), 1)).toList();
        tracker = GtidTracker.start(backends, new MonitorSettings(SandboxAccounts.MONITOR.user(),
                SandboxAccounts.MONITOR.password(), Duration.ofMillis(200), MonitorSettings.DEFAULT_HEARTBEAT_INTERVAL,
                MonitorSettings.DEFAULT_CHECK_TIMEOUT, MonitorSettings.DEFAULT_CONNECT_TIMEOUT, Duration.ofSeconds(1)));
        await().atMost(WAIT).pollInterval(POLL).untilAsserted(() -> {
            for (MySQLContainer<?> n : cluster.nodes()) {
                assertThat(tracker.mode(name(n))).as(name(n)).isEqualTo(GtidTracker.Mode.STREAM);
            }
        });
        return tracker;
    }

    private static void run(MySQLContainer<?> node, String... statements) throws SQLException {
        try (Connection c = DriverManager.getConnection(MySqlContainerCluster.jdbcUrl(node, SandboxAccounts.ROOT));
             Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        }
    }

    private static GtidSet executed(MySQLContainer<?> node) throws SQLException {
        try (Connection c = DriverManager.getConnection(MySqlContainerCluster.jdbcUrl(node, SandboxAccounts.ROOT));
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @@GLOBAL.gtid_executed")) {
            rs.next();
            return GtidSet.parseMySql(rs.getString(1));
        }
    }

    private void awaitTracked(MySQLContainer<?> node, GtidSet required) throws SQLException {
        await().atMost(WAIT).pollInterval(POLL).until(() -> tracker.executed(name(node)).contains(required));
        assertThat(tracker.executed(name(node))).isEqualTo(executed(node));
    }

    @Test
    void seedsFromGtidExecutedAndFollowsInsertsAndDdlOnEveryServer() throws SQLException {
        streaming();
        for (MySQLContainer<?> n : cluster.nodes()) {
            assertThat(tracker.executed(name(n))).as(name(n)).isEqualTo(executed(n));
            assertThat(tracker.flavour(name(n))).contains(GtidSet.Flavour.MYSQL);
        }
        run(cluster.source(), "CREATE DATABASE IF NOT EXISTS gtid_my", "CREATE TABLE gtid_my.t (id INT PRIMARY KEY)",
                "INSERT INTO gtid_my.t VALUES (1)", "CREATE TABLE gtid_my.c AS SELECT * FROM gtid_my.t");
        GtidSet after = executed(cluster.source());
        for (MySQLContainer<?> n : cluster.nodes()) {
            awaitTracked(n, after);
        }
        assertThat(tracker.stats(name(cluster.source())).orElseThrow().transactionsApplied()).isEqualTo(4);
    }

    @Test
    void aWaiterFiresWhenAStoppedReplicaCatchesUp() throws SQLException {
        streaming();
        MySQLContainer<?> stopped = cluster.replicas().get(0);
        run(cluster.source(), "CREATE DATABASE IF NOT EXISTS gtid_my2", "CREATE TABLE gtid_my2.t (id INT PRIMARY KEY)");
        cluster.awaitReplicasCaughtUp(WAIT);
        run(stopped, "STOP REPLICA SQL_THREAD");
        try {
            run(cluster.source(), "INSERT INTO gtid_my2.t VALUES (1)");
            GtidSet required = executed(cluster.source());
            tracker.await(List.of(name(stopped)), required, Runnable::run, fired::add);
            awaitTracked(cluster.replicas().get(1), required);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(fired::isEmpty);
        } finally {
            run(stopped, "START REPLICA SQL_THREAD");
        }
        await().atMost(WAIT).pollInterval(POLL).until(() -> !fired.isEmpty());
        assertThat(fired).containsExactly(name(stopped));
    }
}
