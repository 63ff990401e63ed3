package io.sluice.routing.route;

import io.sluice.routing.route.RouteDecision.ToServer;
import org.junit.jupiter.api.Test;

import static io.sluice.routing.route.Fixture.replica;
import static io.sluice.routing.route.Fixture.source;
import static io.sluice.routing.route.Fixture.topology;
import static org.assertj.core.api.Assertions.assertThat;

/** Leading-comment hints: source, replica, max_lag. */
class HintRoutingTest {
    private final Fixture f = new Fixture();

    @Test
    void sourceHintSendsAReadToTheSource() {
        ToServer to = f.send("/* sluice:source */ SELECT * FROM t");
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.HINT_SOURCE);
    }

    @Test
    void sourceHintOnAWriteKeepsTheWriteReason() {
        assertThat(f.send("/* sluice:source */ INSERT INTO t VALUES (1)").reason()).isEqualTo(Reason.WRITE);
    }

    @Test
    void replicaHintOnAReadSaysSo() {
        ToServer to = f.send("/* sluice:replica */ SELECT * FROM t");
        assertThat(to.server()).isEqualTo("r1");
        assertThat(to.reason()).isEqualTo(Reason.HINT_REPLICA);
        assertThat(to.replica()).isTrue();
    }

    @Test
    void replicaHintSendsAServerSpecificReadToAReplica() {
        ToServer to = f.send("/* sluice:replica */ SHOW REPLICA STATUS");
        assertThat(to.server()).isEqualTo("r1");
        assertThat(to.reason()).isEqualTo(Reason.HINT_REPLICA);
    }

    @Test
    void replicaHintNeverSendsAWriteToAReplica() {
        ToServer to = f.send("/* sluice:replica */ UPDATE t SET a = 1");
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.WRITE);
    }

    @Test
    void replicaHintWithoutAnEligibleReplicaFallsBack() {
        f.topology = topology(source("src"), replica("r1", 5000));
        ToServer to = f.send("/* sluice:replica */ SELECT 1");
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.READ_FALLBACK_SOURCE);
    }

    @Test
    void maxLagHintTightensTheBudget() {
        f.topology = topology(source("src"), replica("r1", 500));
        assertThat(f.run("SELECT 1").server()).isEqualTo("r1");
        assertThat(f.run("/* sluice:max_lag=200ms */ SELECT 1").server()).isEqualTo("src");
        assertThat(f.run("/* sluice:max_lag=500ms */ SELECT 1").server()).isEqualTo("r1");
    }

    @Test
    void maxLagHintReplacesTheBudgetAndMayLoosenIt() {
        f.topology = topology(source("src"), replica("r1", 5000));
        assertThat(f.run("SELECT 1").server()).isEqualTo("src");
        assertThat(f.run("/* sluice:max_lag=10s */ SELECT 1").server()).isEqualTo("r1");
    }

    @Test
    void maxLagHintOfZeroAcceptsOnlyACaughtUpReplica() {
        f.topology = topology(source("src"), replica("r1", 1), replica("r2", 0));
        for (int i = 0; i < 5; i++) {
            assertThat(f.run("/* sluice:max_lag=0ms */ SELECT 1").server()).isEqualTo("r2");
        }
    }

    @Test
    void hintsDoNotOverrideAnOpenTransaction() {
        f.run("BEGIN", true);
        ToServer to = f.send("/* sluice:replica */ SELECT 1");
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.TRANSACTION);
    }

    @Test
    void hintsDoNotOverridePins() {
        f.run("CREATE TEMPORARY TABLE tmp (a INT)");
        ToServer to = f.send("/* sluice:replica */ SELECT * FROM tmp");
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.PINNED);
    }

    @Test
    void hintsDoNotOverrideAutocommitOff() {
        f.run("SET autocommit = 0");
        assertThat(f.send("/* sluice:replica */ SELECT 1").server()).isEqualTo("src");
    }

    @Test
    void sourceHintOnReadOnlyTransactionKeepsItOnTheSource() {
        ToServer begin = f.run("/* sluice:source */ START TRANSACTION READ ONLY", true);
        assertThat(begin.server()).isEqualTo("src");
        assertThat(f.session.transactionOnReplica()).isFalse();
        assertThat(f.send("SELECT 1").server()).isEqualTo("src");
    }
}
