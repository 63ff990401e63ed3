package io.sluice.proxy.monitor;

import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxServer;
import io.sluice.proxy.testing.ClusterExtension;
import io.sluice.proxy.testing.FreshCluster;
import io.sluice.routing.topology.Role;
import io.sluice.routing.topology.ServerView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The monitor against private clusters that the tests disturb: stopped threads, kills, delays, a source-source pair. */
@ExtendWith(ClusterExtension.class)
class MonitorFaultTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(20);

    @Test
    void aReplicaWithItsSqlThreadStoppedIsNotReplicatingAndFallsBehindThenCatchesUp(@FreshCluster SandboxCluster cluster) {
        SandboxServer stopped = cluster.replica(1);
        SandboxServer healthy = cluster.replica(2);
        try (MonitorHarness h = MonitorHarness.start(cluster.servers())) {
            awaitHealthy(h, cluster);

            stopped.execute("STOP SLAVE SQL_THREAD");
            cluster.source().execute("CREATE DATABASE monitor_t; CREATE TABLE monitor_t.x (id INT PRIMARY KEY); "
                    + "INSERT INTO monitor_t.x VALUES (1), (2), (3)");
            await().atMost(WAIT).pollInterval(POLL).untilAsserted(() -> {
                ServerView v = h.view(stopped);
                assertThat(v.role()).isEqualTo(Role.REPLICA);
                assertThat(v.reachable()).isTrue();
                assertThat(v.replicating()).isFalse();
                assertThat(v.lagMillis()).isGreaterThan(1000);
                assertThat(v.readableWithin(1000)).isFalse();
            });
            assertThat(h.view(healthy).replicating()).isTrue();
            assertThat(h.view(healthy).lagMillis()).isBetween(0L, 1000L);
            assertThat(h.current().source().orElseThrow().name()).isEqualTo(cluster.source().name());

            stopped.execute("START SLAVE");
            await().atMost(WAIT).pollInterval(POLL).untilAsserted(() -> {
                ServerView v = h.view(stopped);
                assertThat(v.replicating()).isTrue();
                assertThat(v.lagMillis()).isBetween(0L, 400L);
                assertThat(v.readableWithin(1000)).isTrue();
            });
        }
    }

    @Test
    void oneSourceOneReplica(@FreshCluster(replicas = 1) SandboxCluster cluster) {
        try (MonitorHarness h = MonitorHarness.start(cluster.servers())) {
            awaitHealthy(h, cluster);
            assertThat(h.current().servers()).extracting(ServerView::role).containsExactly(Role.SOURCE, Role.REPLICA);
        }
    }

    @Test
    void aKilledReplicaIsUnreachableAndComesBackWhenRestarted(@FreshCluster SandboxCluster cluster) {
        SandboxServer victim = cluster.replica(2);
        try (MonitorHarness h = MonitorHarness.start(cluster.servers())) {
            awaitHealthy(h, cluster);

            victim.kill9();
            await().atMost(WAIT).pollInterval(POLL).untilAsserted(() -> {
                ServerView v = h.view(victim);
                assertThat(v.reachable()).isFalse();
                assertThat(v.role()).isEqualTo(Role.UNKNOWN);
                assertThat(v.lagMillis()).isEqualTo(-1);
                assertThat(v.readableWithin(Long.MAX_VALUE)).isFalse();
            });
            assertThat(h.view(cluster.source()).role()).isEqualTo(Role.SOURCE);
            assertThat(h.view(cluster.replica(1)).readableWithin(1000)).isTrue();

            victim.start();
            await().atMost(WAIT).pollInterval(POLL).untilAsserted(() -> {
                ServerView v = h.view(victim);
                assertThat(v.reachable()).isTrue();
                assertThat(v.role()).isEqualTo(Role.REPLICA);
                assertThat(v.replicating()).isTrue();
                assertThat(v.lagMillis()).isBetween(0L, 1000L);
            });
        }
    }

    @Test
    void aDelayedReplicaShowsItsDelayAsLag(@FreshCluster(replicas = 1) SandboxCluster cluster) {
        SandboxServer delayed = cluster.replica(1);
        try (MonitorHarness h = MonitorHarness.start(cluster.servers())) {
            awaitHealthy(h, cluster);

            delayed.execute("STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 2; START SLAVE");
            await().atMost(WAIT).pollInterval(POLL).untilAsserted(() -> {
                ServerView v = h.view(delayed);
                assertThat(v.role()).isEqualTo(Role.REPLICA);
                // Both threads run: only the lag tells that this replica is two seconds behind.
                assertThat(v.replicating()).isTrue();
                assertThat(v.lagMillis()).isGreaterThanOrEqualTo(1500);
            });
        }
    }

    @Test
    void aSourceSourcePairHasExactlyOneWriter(@FreshCluster(replicas = 1) SandboxCluster cluster) {
        SandboxServer a = cluster.source();
        SandboxServer b = cluster.replica(1);
        // Classic dual-master: interleaved auto-increment values, and a also replicates from b.
        a.execute("SET GLOBAL auto_increment_increment = 2; SET GLOBAL auto_increment_offset = 1");
        b.execute("SET GLOBAL auto_increment_increment = 2; SET GLOBAL auto_increment_offset = 2");
        a.execute("CHANGE MASTER TO MASTER_HOST='" + b.host() + "', MASTER_PORT=" + b.port() + ", MASTER_USER='"
                + SandboxAccounts.REPLICATION.user() + "', MASTER_PASSWORD='" + SandboxAccounts.REPLICATION.password()
                + "', MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=slave_pos; START SLAVE");
        cluster.awaitReplicating(a, WAIT);

        try (MonitorHarness h = MonitorHarness.start(cluster.servers())) {
            // a is writable, b read-only: a writes.
            await().atMost(WAIT).pollInterval(POLL).untilAsserted(() -> {
                assertThat(h.sources()).isEqualTo(1);
                assertThat(h.view(a).role()).isEqualTo(Role.SOURCE);
                assertThat(h.view(a).replicating()).isTrue();
                assertThat(h.view(b).role()).isEqualTo(Role.REPLICA);
                assertThat(h.view(b).replicating()).isTrue();
                assertThat(h.view(b).lagMillis()).isBetween(0L, 1000L);
            });

            // Both writable: the current writer stays the writer, the other still serves reads.
            b.execute("SET GLOBAL read_only = 0");
            await().atMost(WAIT).pollInterval(POLL).untilAsserted(() -> assertThat(h.view(b).readOnly()).isFalse());
            assertThat(h.sources()).isEqualTo(1);
            assertThat(h.view(a).role()).isEqualTo(Role.SOURCE);
            assertThat(h.view(b).role()).isEqualTo(Role.REPLICA);
            assertThat(h.published).allSatisfy(s ->
                    assertThat(s.servers().stream().filter(v -> v.role() == Role.SOURCE).count()).isLessThanOrEqualTo(1));

            // a made read-only: b is now the only writable one, so it writes, and the heartbeat follows it.
            a.execute("SET GLOBAL read_only = 1");
            await().atMost(WAIT).pollInterval(POLL).untilAsserted(() -> {
                assertThat(h.sources()).isEqualTo(1);
                assertThat(h.view(b).role()).isEqualTo(Role.SOURCE);
                assertThat(h.view(a).role()).isEqualTo(Role.REPLICA);
                // The heartbeat a holds now comes from b, over the b -> a half of the pair.
                assertThat(a.queryValue("SELECT server_id FROM sluice.heartbeat WHERE id = " + h.monitor.heartbeatId()))
                        .isEqualTo(String.valueOf(b.serverId()));
                assertThat(h.view(a).lagMillis()).isBetween(0L, 1000L);
            });
        }
    }

    private static void awaitHealthy(MonitorHarness h, SandboxCluster cluster) {
        await().atMost(WAIT).pollInterval(POLL).untilAsserted(() -> {
            assertThat(h.view(cluster.source()).role()).isEqualTo(Role.SOURCE);
            for (SandboxServer replica : cluster.replicas()) {
                ServerView v = h.view(replica);
                assertThat(v.role()).isEqualTo(Role.REPLICA);
                assertThat(v.replicating()).isTrue();
                assertThat(v.lagMillis()).isBetween(0L, 500L);
            }
        });
    }
}
