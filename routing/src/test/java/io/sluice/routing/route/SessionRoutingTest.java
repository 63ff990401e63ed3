package io.sluice.routing.route;

import io.sluice.routing.classify.Classification;
import io.sluice.routing.route.RouteDecision.ToServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The session state machine's own contract, and the policy and decision values. */
class SessionRoutingTest {
    private final Fixture f = new Fixture();

    @Test
    void aFreshSessionIsAutocommitWithoutTransactionOrPins() {
        SessionRouting s = new SessionRouting(42);
        assertThat(s.autocommit()).isTrue();
        assertThat(s.inTransaction()).isFalse();
        assertThat(s.transactionServer()).isEmpty();
        assertThat(s.pinned()).isFalse();
        assertThat(s.lastServer()).isEmpty();
        assertThat(s.awaitingResponse()).isFalse();
    }

    @Test
    void sendingTwiceWithoutAnOutcomeFailsLoudly() {
        f.send("SELECT 1");
        assertThatThrownBy(() -> f.send("SELECT 2")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anOutcomeClearsTheStatementInFlight() {
        f.send("SELECT 1");
        f.session.onStatementDone(false);
        assertThat(f.session.awaitingResponse()).isFalse();
        f.send("SELECT 1");
        f.session.onStatementFailed();
        assertThat(f.session.awaitingResponse()).isFalse();
    }

    @Test
    void lastServerIsRecorded() {
        f.run("SELECT 1");
        assertThat(f.session.lastServer()).contains("r1");
        f.run("INSERT INTO t VALUES (1)");
        assertThat(f.session.lastServer()).contains("src");
    }

    @Test
    void onlyReplicaChoicesAdvanceTheRotation() {
        long before = f.session.rotation();
        f.run("INSERT INTO t VALUES (1)");
        assertThat(f.session.rotation()).isEqualTo(before);
        f.run("SELECT 1");
        assertThat(f.session.rotation()).isEqualTo(before + 1);
    }

    @Test
    void resetKeepsTheRotationSoSpreadingContinues() {
        f.run("SELECT 1");
        long r = f.session.rotation();
        f.session.reset();
        assertThat(f.session.rotation()).isEqualTo(r);
        assertThat(f.session.lastServer()).isEmpty();
    }

    @Test
    void resetWhileAStatementIsInFlightForgetsIt() {
        f.send("SET @x = 1");
        f.session.reset();
        assertThat(f.session.awaitingResponse()).isFalse();
        assertThat(f.session.pinned()).isFalse();
    }

    @Test
    void anInTransactionStatusWithoutAStatementBindsToTheLastServer() {
        f.run("SELECT 1");
        f.session.onStatementDone(true);   // e.g. COM_STMT_EXECUTE reported outside the router's view
        assertThat(f.session.transactionServer()).contains("r1");
        assertThat(f.session.transactionOnReplica()).isFalse();
    }

    @Test
    void routePreparedSendsAPreparedReadToAReplicaAndAWriteToTheSource() {
        Classification read = Fixture.classify("SELECT * FROM t WHERE id = ?");
        Classification write = Fixture.classify("UPDATE t SET a = ? WHERE id = ?");
        RouteDecision r = f.router.routePrepared(read, f.session, f.topology, f.load);
        RouteDecision w = f.router.routePrepared(write, f.session, f.topology, f.load);
        assertThat(((ToServer) r).server()).isEqualTo("r1");
        assertThat(((ToServer) r).reason()).isEqualTo(Reason.READ_REPLICA);
        assertThat(((ToServer) w).server()).isEqualTo("src");
        assertThat(((ToServer) w).reason()).isEqualTo(Reason.WRITE);
    }

    @Test
    void routePreparedFollowsTransactionsAndPins() {
        Classification read = Fixture.classify("SELECT * FROM t WHERE id = ?");
        f.run("BEGIN", true);
        assertThat(((ToServer) f.router.routePrepared(read, f.session, f.topology, f.load)).reason())
                .isEqualTo(Reason.TRANSACTION);
        f.run("COMMIT", false);
        f.run("SET @x = 1");
        assertThat(((ToServer) f.router.routePrepared(read, f.session, f.topology, f.load)).reason())
                .isEqualTo(Reason.PINNED);
    }

    @Test
    void preparedSetOfAutocommitWithAPlaceholderIsTakenAsOff() {
        Classification c = Fixture.classify("SET autocommit = ?");
        ToServer to = (ToServer) f.router.routePrepared(c, f.session, f.topology, f.load);
        f.session.onStatementSent(c, to);
        f.session.onStatementDone(false);
        assertThat(f.session.autocommit()).isFalse();
    }

    @Test
    void policyDefaultsAreOneSecondAndSource() {
        assertThat(RoutingPolicy.DEFAULT.maxReplicaLag()).isEqualTo(Duration.ofSeconds(1));
        assertThat(RoutingPolicy.DEFAULT.fallback()).isEqualTo(RoutingPolicy.Fallback.SOURCE);
    }

    @Test
    void policyRejectsNegativeLag() {
        assertThatThrownBy(() -> new RoutingPolicy(Duration.ofMillis(-1), RoutingPolicy.Fallback.SOURCE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max_replica_lag");
    }

    @Test
    void decisionsAreValues() {
        assertThat(new ToServer("a", Reason.WRITE, false))
                .isEqualTo(new ToServer("a", Reason.WRITE, false, Optional.empty()));
        assertThat(new ToServer("a", Reason.WRITE, false).endingTransactionOn("a").endsTransactionOn()).isEmpty();
        assertThat(new ToServer("a", Reason.WRITE, false).endingTransactionOn("b").endsTransactionOn()).contains("b");
        assertThatThrownBy(() -> new RouteDecision.Refuse(null, "x")).isInstanceOf(NullPointerException.class);
    }
}
