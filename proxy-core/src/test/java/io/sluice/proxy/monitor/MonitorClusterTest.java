package io.sluice.proxy.monitor;

import io.sluice.protocol.gtid.GtidSet;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxServer;
import io.sluice.proxy.testing.ClusterExtension;
import io.sluice.routing.topology.Role;
import io.sluice.routing.topology.ServerView;
import io.sluice.routing.topology.TopologySnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The monitor against the suite's shared cluster (one source, two replicas), which it reads and heartbeats (one test
 * adds a row of its own to watch it replicate).
 */
@ExtendWith(ClusterExtension.class)
class MonitorClusterTest {

    @Test
    void findsTheSourceAndBothReplicasWithLagInMilliseconds(SandboxCluster cluster) {
        try (MonitorHarness h = MonitorHarness.start(cluster.servers())) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
                assertThat(h.view(cluster.source()).role()).isEqualTo(Role.SOURCE);
                for (SandboxServer replica : cluster.replicas()) {
                    ServerView v = h.view(replica);
                    assertThat(v.role()).isEqualTo(Role.REPLICA);
                    assertThat(v.replicating()).isTrue();
                    // Well under a second: impossible to tell from Seconds_Behind_Master, which would say 0.
                    assertThat(v.lagMillis()).isBetween(0L, 400L);
                }
            });
            TopologySnapshot s = h.current();
            ServerView source = s.source().orElseThrow();
            assertThat(source.name()).isEqualTo(cluster.source().name());
            assertThat(source.reachable()).isTrue();
            assertThat(source.readOnly()).isFalse();
            assertThat(source.lagMillis()).isZero();
            assertThat(s.replicas()).extracting(ServerView::name)
                    .containsExactly(cluster.replica(1).name(), cluster.replica(2).name());
            assertThat(s.replicas()).allSatisfy(r -> {
                assertThat(r.readOnly()).isTrue();
                assertThat(r.reachable()).isTrue();
            });

            // Listeners saw every snapshot, versions strictly growing, and the last one is current().
            assertThat(h.published).isNotEmpty();
            assertThat(h.published).extracting(TopologySnapshot::version).isSorted().doesNotHaveDuplicates();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(h.published.get(h.published.size() - 1)).isEqualTo(h.current()));

            // The heartbeat row replicated: the replicas hold this monitor's row, written by the source.
            for (SandboxServer replica : cluster.replicas()) {
                assertThat(replica.queryValue("SELECT server_id FROM sluice.heartbeat WHERE id = "
                        + h.monitor.heartbeatId())).isEqualTo(String.valueOf(cluster.source().serverId()));
            }
        }
    }

    /**
     * Each check reports what a replica has committed, as its commit wait (MASTER_GTID_WAIT) sees it: a write on the
     * source shows up there once the replica applied it, and it is what the replica's own @@gtid_slave_pos says.
     */
    @Test
    void aReplicasCheckReportsTheGtidsItCommitted(SandboxCluster cluster) {
        try (MonitorHarness h = MonitorHarness.start(cluster.servers())) {
            Map<String, Observation> last = new ConcurrentHashMap<>();
            h.monitor.addCheckListener(last::put);
            cluster.source().execute("CREATE DATABASE IF NOT EXISTS monitor_it; CREATE TABLE IF NOT EXISTS"
                    + " monitor_it.t (id INT PRIMARY KEY AUTO_INCREMENT); INSERT INTO monitor_it.t VALUES ()");
            String written = cluster.source().queryValue("SELECT @@GLOBAL.gtid_binlog_pos");
            cluster.awaitReplicasCaughtUp();
            for (SandboxServer replica : cluster.replicas()) {
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
                    Observation o = last.get(replica.name());
                    assertThat(o).isNotNull();
                    assertThat(GtidSet.parse(o.committed())
                            .contains(GtidSet.parse(written))).as(o.committed()).isTrue();
                });
                assertThat(GtidSet.parse(replica.queryValue("SELECT @@GLOBAL.gtid_slave_pos"))
                        .contains(GtidSet.parse(last.get(replica.name()).committed())))
                        .as("never more than the replica itself reports").isTrue();
            }
            assertThat(last.get(cluster.source().name()).committed()).as("the source replicates from nothing")
                    .isEmpty();
        }
    }

    @Test
    void aBackendThatIsNotListedIsNotASource(SandboxCluster cluster) {
        // Only the replicas are listed: they replicate from a server outside the list, so neither is a replica of a
        // listed server, and neither is writable, so there is no source.
        try (MonitorHarness h = MonitorHarness.start(cluster.replicas())) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(h.current().servers()).hasSize(2);
                assertThat(h.current().servers()).allSatisfy(v -> {
                    assertThat(v.reachable()).isTrue();
                    assertThat(v.role()).isEqualTo(Role.UNKNOWN);
                });
                assertThat(h.current().source()).isEmpty();
            });
        }
    }
    @Test
    void aBackendAddedLaterJoinsAfterItsFirstCheckAndARemovedOneLeavesAtOnce(SandboxCluster cluster) throws Exception {
        SandboxServer later = cluster.replica(2);
        try (MonitorHarness h = MonitorHarness.start(java.util.List.of(cluster.source(), cluster.replica(1)))) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(h.view(cluster.replica(1)).role()).isEqualTo(Role.REPLICA));
            int before = h.published.size();
            h.monitor.add(new MonitoredBackend(new io.sluice.proxy.backend.BackendEndpoint(later.name(), later.host(),
                    later.port()), 1)).get(5, java.util.concurrent.TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                ServerView v = h.view(later);
                assertThat(v.role()).isEqualTo(Role.REPLICA);
                assertThat(v.lagMillis()).isNotNegative();
            });
            // Never published unmeasured: every snapshot that names it has it checked (reachable).
            assertThat(h.published.subList(before, h.published.size())).allSatisfy(t ->
                    t.server(later.name()).ifPresent(v -> assertThat(v.reachable()).isTrue()));
            assertThat(h.current().servers()).extracting(ServerView::name)
                    .containsExactly(cluster.source().name(), cluster.replica(1).name(), later.name());

            h.monitor.remove(cluster.replica(1).name()).get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(h.current().servers()).extracting(ServerView::name)
                    .containsExactly(cluster.source().name(), later.name());
            assertThat(h.current().source()).map(ServerView::name).contains(cluster.source().name());
        }
    }
}
