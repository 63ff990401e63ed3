package io.sluice.routing.route;

import io.sluice.protocol.gtid.GtidSet;
import io.sluice.routing.classify.Classification;
import io.sluice.routing.classify.Consistency;
import io.sluice.routing.route.RouteDecision.Refuse;
import io.sluice.routing.route.RouteDecision.ToServer;
import io.sluice.routing.route.RouteDecision.Wait;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static io.sluice.routing.route.Fixture.classify;
import static io.sluice.routing.route.Fixture.replica;
import static io.sluice.routing.route.Fixture.source;
import static io.sluice.routing.route.Fixture.topology;
import static org.assertj.core.api.Assertions.assertThat;

/** Consistency levels: what each read must find applied, the causal wait, and the fallback. */
class ConsistencyRoutingTest {
    /** The wait these tests exercise (the default's value, spelled out so the tests do not depend on it). */
    private static final Duration WAIT = Duration.ofMillis(50);
    private static final RoutingPolicy WAITING = RoutingPolicy.DEFAULT.withCausalWait(WAIT);

    private final Fixture f = new Fixture();

    {
        f.router = new Router(WAITING);
    }
    private final Map<String, GtidSet> executed = new HashMap<>();
    private final GtidView gtids = server -> executed.getOrDefault(server, GtidSet.empty());

    /**
     * Replicas lagging more than the default causal wait (50 ms) and less than the budget (1 s): a read none of
     * them can serve yet waits on the tracker. Nearer replicas get the read with the wait pipelined, below.
     */
    private static final long LAG = 100;

    ConsistencyRoutingTest() {
        f.topology = topology(source("src"), replica("r1", LAG), replica("r2", LAG));
        executed.put("src", GtidSet.parse("0-1-10"));
        executed.put("r1", GtidSet.parse("0-1-8"));
        executed.put("r2", GtidSet.parse("0-1-9"));
    }

    private RouteDecision route(String sql) {
        return f.router.route(classify(sql), f.session, f.topology, f.load, gtids);
    }

    private ToServer send(String sql) {
        Classification c = classify(sql);
        RouteDecision d = f.router.route(c, f.session, f.topology, f.load, gtids);
        assertThat(d).as("decision for %s", sql).isInstanceOf(ToServer.class);
        f.session.onStatementSent(c, (ToServer) d);
        return (ToServer) d;
    }

    @Test
    void sessionThatNeedsNothingReadsFromAnyReplica() {
        assertThat(send("SELECT 1").replica()).isTrue();
    }

    @Test
    void readAfterWriteGoesOnlyToAReplicaThatHasTheWrite() {
        f.session.onWrite(GtidSet.parse("0-1-9"));
        for (int i = 0; i < 10; i++) {
            ToServer to = send("SELECT * FROM t");
            assertThat(to.server()).isEqualTo("r2");
            assertThat(to.reason()).isEqualTo(Reason.READ_REPLICA);
            assertThat(to.requires()).isEqualTo(GtidSet.parse("0-1-9"));
            f.session.onStatementDone(false);
        }
    }

    @Test
    void noReplicaHasItYetSoTheReadWaitsForTheReplicasWithinBudget() {
        f.topology = topology(source("src"), replica("r1", LAG), replica("r2", 5000));
        f.session.onWrite(GtidSet.parse("0-1-10"));
        RouteDecision d = route("SELECT * FROM t");
        assertThat(d).isInstanceOf(Wait.class);
        Wait w = (Wait) d;
        assertThat(w.servers()).containsExactly("r1");
        assertThat(w.required()).isEqualTo(GtidSet.parse("0-1-10"));
        assertThat(w.timeout()).isEqualTo(WAIT);
    }

    @Test
    void aReplicaLaggingLessThanTheWaitGetsTheReadAtOnceWithTheWaitPipelined() {
        f.topology = topology(source("src"), replica("r1", 3), replica("r2", 5000));
        f.session.onWrite(GtidSet.parse("0-1-10"));
        ToServer to = send("SELECT * FROM t");
        assertThat(to.server()).isEqualTo("r1");
        assertThat(to.reason()).isEqualTo(Reason.READ_REPLICA);
        assertThat(to.requires()).as("the session makes r1 wait for it").isEqualTo(GtidSet.parse("0-1-10"));
    }

    @Test
    void nearIsMeasuredAgainstTheSessionsOwnWait() {
        f.topology = topology(source("src"), replica("r1", 30), replica("r2", 30));
        f.session.onWrite(GtidSet.parse("0-1-10"));
        assertThat(route("SELECT 1")).as("30 ms lag, 50 ms wait").isInstanceOf(ToServer.class);
        f.session.causalWait(Duration.ofMillis(20));
        assertThat(route("SELECT 1")).as("30 ms lag, 20 ms wait").isInstanceOf(Wait.class);
        f.session.causalWait(Duration.ZERO);
        assertThat(route("SELECT 1")).isInstanceOfSatisfying(ToServer.class,
                to -> assertThat(to.reason()).isEqualTo(Reason.CAUSAL_FALLBACK_SOURCE));
    }

    @Test
    void afterTheWaitAReplicaThatCaughtUpServesTheRead() {
        f.session.onWrite(GtidSet.parse("0-1-10"));
        assertThat(route("SELECT 1")).isInstanceOf(Wait.class);
        executed.put("r1", GtidSet.parse("0-1-10"));
        f.session.onCausalWaitOver();
        assertThat(send("SELECT 1").server()).isEqualTo("r1");
    }

    @Test
    void afterAWaitThatTimedOutTheSourceServesTheReadWithoutASecondWait() {
        f.session.onWrite(GtidSet.parse("0-1-10"));
        assertThat(route("SELECT 1")).isInstanceOf(Wait.class);
        f.session.onCausalWaitOver();
        ToServer to = send("SELECT 1");
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.CAUSAL_FALLBACK_SOURCE);
        f.session.onStatementDone(false);
        assertThat(route("SELECT 1")).as("the next read may wait again").isInstanceOf(Wait.class);
    }

    @Test
    void withoutAWaitNoReadWaits() {
        f.router = new Router(RoutingPolicy.DEFAULT.withCausalWait(Duration.ZERO));
        f.session.onWrite(GtidSet.parse("0-1-10"));
        assertThat(route("SELECT 1")).as("no replica has it yet: the source, at once")
                .isInstanceOfSatisfying(ToServer.class, to -> assertThat(to.server()).isEqualTo("src"));
        executed.put("r2", GtidSet.parse("0-1-10"));
        assertThat(route("SELECT 1")).as("once a replica's stream has it, that replica")
                .isInstanceOfSatisfying(ToServer.class, to -> assertThat(to.server()).isEqualTo("r2"));
    }

    @Test
    void zeroCausalWaitFallsBackAtOnce() {
        f.router = new Router(RoutingPolicy.DEFAULT.withCausalWait(Duration.ZERO));
        f.session.onWrite(GtidSet.parse("0-1-10"));
        assertThat(send("SELECT 1").reason()).isEqualTo(Reason.CAUSAL_FALLBACK_SOURCE);
    }

    @Test
    void theSessionsOwnCausalWaitReplacesThePolicysUntilReset() {
        f.session.onWrite(GtidSet.parse("0-1-10"));
        f.session.causalWait(Duration.ZERO);
        assertThat(route("SELECT 1")).as("no wait: the source at once")
                .isInstanceOfSatisfying(ToServer.class, to -> assertThat(to.reason())
                        .isEqualTo(Reason.CAUSAL_FALLBACK_SOURCE));
        f.session.causalWait(Duration.ofMillis(7));
        assertThat(route("SELECT 1")).isInstanceOfSatisfying(Wait.class,
                w -> assertThat(w.timeout()).isEqualTo(Duration.ofMillis(7)));
        f.session.reset();
        assertThat(route("SELECT 1")).isInstanceOfSatisfying(Wait.class,
                w -> assertThat(w.timeout()).isEqualTo(WAIT));
    }

    @Test
    void aSessionMayWaitWhereThePolicyWouldNot() {
        f.router = new Router(RoutingPolicy.DEFAULT.withCausalWait(Duration.ZERO));
        f.session.onWrite(GtidSet.parse("0-1-10"));
        f.session.causalWait(Duration.ofMillis(30));
        assertThat(route("SELECT 1")).isInstanceOfSatisfying(Wait.class,
                w -> assertThat(w.timeout()).isEqualTo(Duration.ofMillis(30)));
    }

    @Test
    void fallbackErrorRefusesAReadNoReplicaCanServeConsistently() {
        f.router = new Router(WAITING.withFallback(RoutingPolicy.Fallback.ERROR));
        f.session.onWrite(GtidSet.parse("0-1-10"));
        f.session.onCausalWaitOver();
        RouteDecision d = route("SELECT 1");
        assertThat(d).isInstanceOf(Refuse.class);
        assertThat(((Refuse) d).kind()).isEqualTo(ErrorKind.NO_CAUSAL_REPLICA);
        f.session.onRefused();
        assertThat(f.session.causalWaitOver()).isFalse();
    }

    @Test
    void eventualIgnoresTheSessionsWrites() {
        f.router = new Router(WAITING.withConsistency(Consistency.EVENTUAL));
        f.session.onWrite(GtidSet.parse("0-1-10"));
        assertThat(send("SELECT 1").replica()).isTrue();
    }

    @Test
    void sessionChoiceOverridesTheDefaultAndHintOverridesBoth() {
        f.session.onWrite(GtidSet.parse("0-1-10"));
        f.session.consistency(Consistency.EVENTUAL);
        assertThat(send("SELECT 1").replica()).isTrue();
        f.session.onStatementDone(false);
        assertThat(route("/* sluice:consistency=session */ SELECT 1")).isInstanceOf(Wait.class);
        f.session.consistency(null);
        assertThat(route("SELECT 1")).isInstanceOf(Wait.class);
        assertThat(route("/* sluice:consistency=eventual */ SELECT 1")).isInstanceOf(ToServer.class);
    }

    @Test
    void globalNeedsEverythingTheSourceHasExecuted() {
        f.session.consistency(Consistency.GLOBAL);
        assertThat(route("SELECT 1")).isInstanceOf(Wait.class);
        executed.put("r1", GtidSet.parse("0-1-10"));
        assertThat(send("SELECT 1").server()).isEqualTo("r1");
    }

    @Test
    void monotonicReadsNeverGoBackBeforeWhatASessionSaw() {
        f.session.onRead(executed.get("r2"));   // it read on r2 at 0-1-9
        for (int i = 0; i < 6; i++) {
            assertThat(send("SELECT 1").server()).isEqualTo("r2");
            f.session.onStatementDone(false);
        }
    }

    @Test
    void tokenFromAnotherConnectionIsWaitedFor() {
        f.session.readAfter(GtidSet.parse("0-1-10"));
        assertThat(route("SELECT 1")).isInstanceOf(Wait.class);
        assertThat(f.session.required()).isEqualTo(GtidSet.parse("0-1-10"));
    }

    @Test
    void aTokenOfTheOtherServerFamilyIsRejected() {
        f.session.onWrite(GtidSet.parse("0-1-10"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.session.readAfter(
                GtidSet.parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theRequiredSetOnlyGrowsAndSurvivesAReset() {
        f.session.onWrite(GtidSet.parse("0-1-10"));
        f.session.onWrite(GtidSet.parse("0-1-7"));
        f.session.consistency(Consistency.EVENTUAL);
        f.session.reset();
        assertThat(f.session.required()).isEqualTo(GtidSet.parse("0-1-10"));
        assertThat(f.session.written()).isEqualTo(GtidSet.parse("0-1-10"));
        assertThat(f.session.consistency()).isEmpty();
    }

    @Test
    void writesAndTransactionsAreUnaffected() {
        f.session.onWrite(GtidSet.parse("0-1-10"));
        assertThat(send("INSERT INTO t VALUES (1)").server()).isEqualTo("src");
        f.session.onStatementDone(false);
        assertThat(send("BEGIN").server()).isEqualTo("src");
        f.session.onStatementDone(true);
        assertThat(send("SELECT 1").reason()).isEqualTo(Reason.TRANSACTION);
    }

    @Test
    void readOnlyTransactionStartNeedsTheSessionsWritesToo() {
        f.session.onWrite(GtidSet.parse("0-1-9"));
        assertThat(send("START TRANSACTION READ ONLY").server()).isEqualTo("r2");
    }

    @Test
    void aReplicaWhoseSetIsUnknownNeverServesAConsistentRead() {
        executed.remove("r2");
        executed.remove("r1");
        f.session.onWrite(GtidSet.parse("0-1-1"));
        assertThat(route("SELECT 1")).isInstanceOf(Wait.class);
    }

    @Test
    void consistencyNamesParse() {
        assertThat(Consistency.parse(" Session ")).contains(Consistency.SESSION);
        assertThat(Consistency.parse("strong")).contains(Consistency.GLOBAL);
        assertThat(Consistency.parse("causal")).isEmpty();
        assertThat(Consistency.GLOBAL.text()).isEqualTo("global");
    }

    @Test
    void aFailoverThatLostAWriteSaysWhichAndRebasesTheSession() {
        f.session.onWrite(GtidSet.parse("0-1-13"));
        GtidSet lost = f.session.afterFailover(GtidSet.parse("0-2-12"));
        assertThat(lost).isEqualTo(GtidSet.parse("0-1-13"));
        assertThat(f.session.written()).isEqualTo(GtidSet.empty());
        assertThat(f.session.required()).isEqualTo(GtidSet.parse("0-2-12"));
    }

    @Test
    void aFailoverThatKeptEveryWriteChangesNothing() {
        f.session.onWrite(GtidSet.parse("0-1-10"));
        assertThat(f.session.afterFailover(GtidSet.parse("0-1-12")).isEmpty()).isTrue();
        assertThat(f.session.written()).isEqualTo(GtidSet.parse("0-1-10"));
        assertThat(f.session.required()).isEqualTo(GtidSet.parse("0-1-10"));
    }
}
