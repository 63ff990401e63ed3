package io.sluice.proxy.monitor;

import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxServer;
import io.sluice.proxy.testing.ClusterExtension;
import io.sluice.routing.topology.Role;
import io.sluice.routing.topology.ServerView;
import io.sluice.routing.topology.TopologySnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The monitor against the suite's shared cluster (one source, two replicas), which it only reads and heartbeats. */
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
