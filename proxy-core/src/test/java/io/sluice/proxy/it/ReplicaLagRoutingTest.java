package io.sluice.proxy.it;

import io.sluice.proxy.config.RoutingConfig;
import io.sluice.routing.classify.Consistency;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import io.sluice.proxy.testing.FreshCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static io.sluice.proxy.it.ReadWriteSplitTest.WHO;
import static io.sluice.proxy.it.ReadWriteSplitTest.connect;
import static io.sluice.proxy.it.ReadWriteSplitTest.labelServers;
import static io.sluice.proxy.it.ReadWriteSplitTest.who;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * The lag budget, against real replicas made to lag deterministically: a replica delayed past the budget
 * ({@code MASTER_DELAY}) or with its SQL thread stopped stops receiving reads, and receives them again once it
 * is back; with no replica left, reads fall back to the source, or fail when {@code routing.fallback: error}.
 */
@ExtendWith(ClusterExtension.class)
class ReplicaLagRoutingTest {
    private static final Duration BUDGET = Duration.ofSeconds(1);

    private static Set<String> readers(Statement s, int reads) throws SQLException {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < reads; i++) {
            seen.add(who(s, WHO));
        }
        return seen;
    }

    /**
     * The lag budget alone ({@code eventual}): under {@code session} a replica behind what the session already read
     * is skipped for that reason before its lag crosses the budget, which is not what these tests measure.
     */
    private static RoutingConfig lagOnly(RoutingConfig.Fallback fallback) {
        return new RoutingConfig(BUDGET, fallback).withConsistency(Consistency.EVENTUAL);
    }

    @Test
    void aReplicaOverTheLagBudgetGetsNoReadsUntilItCatchesUp(@FreshCluster SandboxCluster cluster) throws Exception {
        labelServers(cluster);
        cluster.awaitReplicasCaughtUp();
        String r1 = cluster.replica(1).name();
        String r2 = cluster.replica(2).name();
        try (SluiceFixture sluice = SluiceFixture.splitting(cluster,
                lagOnly(RoutingConfig.Fallback.SOURCE));
             Connection c = connect(sluice); Statement s = c.createStatement()) {
            assertThat(readers(s, 40)).containsExactlyInAnyOrder(r1, r2);

            // Replicating, threads running, but 3 s behind: over the 1 s budget.
            cluster.replica(1).execute("STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 3; START SLAVE");
            // Wait for the lag itself: right after STOP SLAVE a check may see the replica not replicating, which also
            // keeps reads off it, before its lag has had time to pass the budget.
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(sluice.sluice().monitor().current().server(r1).orElseThrow().lagMillis())
                        .isGreaterThan(1000);
                assertThat(readers(s, 40)).containsExactly(r2);
            });

            cluster.replica(1).execute("STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 0; START SLAVE");
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(readers(s, 40)).containsExactlyInAnyOrder(r1, r2));
        }
    }

    @Test
    void withNoReplicaLeftReadsFallBackToTheSourceOrFail(@FreshCluster SandboxCluster cluster) throws Exception {
        labelServers(cluster);
        cluster.awaitReplicasCaughtUp();
        String source = cluster.source().name();
        try (SluiceFixture toSource = SluiceFixture.splitting(cluster,
                lagOnly(RoutingConfig.Fallback.SOURCE));
             SluiceFixture toError = SluiceFixture.splitting(cluster,
                     lagOnly(RoutingConfig.Fallback.ERROR));
             Connection a = connect(toSource); Statement sa = a.createStatement();
             Connection b = connect(toError); Statement sb = b.createStatement()) {
            await().atMost(Duration.ofSeconds(20)).ignoreExceptionsInstanceOf(SQLException.class)
                    .untilAsserted(() -> assertThat(who(sb, WHO)).startsWith("replica"));

            cluster.replica(1).execute("STOP SLAVE SQL_THREAD");
            cluster.replica(2).execute("STOP SLAVE SQL_THREAD");
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(readers(sa, 20)).containsExactly(source));
            // Each Sluice has its own monitor: this one may notice the stopped replicas a check later.
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                SQLException refused = catchThrowableOfType(SQLException.class, () -> who(sb, WHO));
                assertThat((Throwable) refused).isNotNull();
                assertThat(refused.getErrorCode()).isEqualTo(2003);
                assertThat(refused.getMessage()).contains("no replica");
            });
            // The session survives the refusal: writes still go to the source.
            assertThat(who(sb, WHO + " FOR UPDATE")).isEqualTo(source);

            cluster.replica(1).execute("START SLAVE SQL_THREAD");
            cluster.replica(2).execute("START SLAVE SQL_THREAD");
            await().atMost(Duration.ofSeconds(20)).ignoreExceptionsInstanceOf(SQLException.class)
                    .untilAsserted(() -> assertThat(who(sb, WHO)).startsWith("replica"));
        }
    }
}
