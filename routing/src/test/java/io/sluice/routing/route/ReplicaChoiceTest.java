package io.sluice.routing.route;

import io.sluice.routing.route.RouteDecision.Refuse;
import io.sluice.routing.route.RouteDecision.ToServer;
import io.sluice.routing.topology.Role;
import io.sluice.routing.topology.ServerView;
import io.sluice.routing.topology.TopologySnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

import static io.sluice.routing.route.Fixture.notReplicating;
import static io.sluice.routing.route.Fixture.replica;
import static io.sluice.routing.route.Fixture.source;
import static io.sluice.routing.route.Fixture.topology;
import static io.sluice.routing.route.Fixture.unreachable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Which replica serves a read: eligibility, lag budget, load, weight, fallback. */
class ReplicaChoiceTest {
    private final Fixture f = new Fixture();

    @Test
    void lagEqualToTheBudgetIsEligible() {
        f.topology = topology(source("src"), replica("r1", 1000));
        assertThat(f.send("SELECT 1").server()).isEqualTo("r1");
    }

    @Test
    void lagOneMillisecondOverTheBudgetIsNot() {
        f.topology = topology(source("src"), replica("r1", 1001));
        ToServer to = f.send("SELECT 1");
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.READ_FALLBACK_SOURCE);
    }

    @Test
    void unknownLagIsNeverEligibleWhateverTheBudget() {
        f.topology = topology(source("src"), replica("r1", -1));
        assertThat(f.run("SELECT 1").server()).isEqualTo("src");
        assertThat(f.run("/* sluice:max_lag=999999999s */ SELECT 1").server()).isEqualTo("src");
        f.router = new Router(RoutingPolicy.DEFAULT.withMaxReplicaLag(Duration.ofDays(365)));
        assertThat(f.run("SELECT 1").server()).isEqualTo("src");
    }

    @Test
    void policyBudgetIsUsed() {
        f.topology = topology(source("src"), replica("r1", 3000));
        assertThat(f.run("SELECT 1").server()).isEqualTo("src");
        f.router = new Router(RoutingPolicy.DEFAULT.withMaxReplicaLag(Duration.ofSeconds(5)));
        assertThat(f.run("SELECT 1").server()).isEqualTo("r1");
    }

    @Test
    void zeroBudgetAcceptsOnlyZeroLag() {
        f.router = new Router(RoutingPolicy.DEFAULT.withMaxReplicaLag(Duration.ZERO));
        f.topology = topology(source("src"), replica("r1", 1));
        assertThat(f.run("SELECT 1").server()).isEqualTo("src");
        f.topology = topology(source("src"), replica("r1", 0));
        assertThat(f.run("SELECT 1").server()).isEqualTo("r1");
    }

    @Test
    void unreachableNotReplicatingAndUnknownRoleAreNotEligible() {
        f.topology = topology(source("src"), unreachable(replica("a", 0)), notReplicating(replica("b", 0)),
                new ServerView("c", Role.UNKNOWN, true, true, 0, 1, true), replica("d", 0));
        for (int i = 0; i < 20; i++) {
            assertThat(f.run("SELECT 1").server()).isEqualTo("d");
        }
    }

    @Test
    void theSourceIsNeverChosenAsAReplica() {
        f.topology = topology(source("src"));
        ToServer to = f.send("SELECT 1");
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.replica()).isFalse();
        assertThat(to.reason()).isEqualTo(Reason.READ_FALLBACK_SOURCE);
    }

    @Test
    void leastOutstandingWins() {
        f.topology = topology(source("src"), replica("r1", 0), replica("r2", 0), replica("r3", 0));
        f.load = Map.of("r1", 4, "r2", 1, "r3", 2)::get;
        for (int i = 0; i < 10; i++) {
            assertThat(f.run("SELECT 1").server()).isEqualTo("r2");
        }
    }

    @Test
    void outstandingIsWeighedAgainstWeight() {
        // r1: 5 outstanding / weight 3 = 1.67 beats r2: 2 / 1 = 2
        f.topology = topology(source("src"), replica("r1", 0, 3), replica("r2", 0, 1));
        f.load = Map.of("r1", 5, "r2", 2)::get;
        assertThat(f.run("SELECT 1").server()).isEqualTo("r1");
        f.load = Map.of("r1", 7, "r2", 2)::get;   // 2.33 > 2
        assertThat(f.run("SELECT 1").server()).isEqualTo("r2");
    }

    @Test
    void lessLoadedButLaggingReplicaIsNotChosen() {
        f.topology = topology(source("src"), replica("r1", 2000), replica("r2", 10));
        f.load = Map.of("r1", 0, "r2", 50)::get;
        assertThat(f.run("SELECT 1").server()).isEqualTo("r2");
    }

    @Test
    void equallyIdleReplicasAlternate() {
        f.topology = topology(source("src"), replica("r1", 0), replica("r2", 0));
        Map<String, Integer> counts = count(100);
        assertThat(counts).containsEntry("r1", 50).containsEntry("r2", 50);
    }

    @Test
    void weightThreeTakesThreeTimesTheIdleReads() {
        f.topology = topology(source("src"), replica("heavy", 0, 3), replica("light", 0, 1));
        Map<String, Integer> counts = count(4000);
        assertThat(counts).containsEntry("heavy", 3000).containsEntry("light", 1000);
    }

    @Test
    void weightThreeTakesAboutThreeTimesTheReadsUnderSimulatedLoad() {
        // A deterministic load view: every read stays outstanding for the next 16 decisions, then completes.
        f.topology = topology(source("src"), replica("heavy", 0, 3), replica("light", 0, 1));
        Map<String, Integer> outstanding = new HashMap<>(Map.of("heavy", 0, "light", 0));
        f.load = outstanding::get;
        ArrayDeque<String> inFlight = new ArrayDeque<>();
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 8000; i++) {
            String s = f.run("SELECT 1").server();
            counts.merge(s, 1, Integer::sum);
            outstanding.merge(s, 1, Integer::sum);
            inFlight.addLast(s);
            if (inFlight.size() > 16) {
                outstanding.merge(inFlight.removeFirst(), -1, Integer::sum);
            }
        }
        double ratio = (double) counts.get("heavy") / counts.get("light");
        assertThat(ratio).isCloseTo(3.0, within(0.2));
    }

    @Test
    void weightsSpreadAmongThree() {
        f.topology = topology(source("src"), replica("a", 0, 1), replica("b", 0, 2), replica("c", 0, 5));
        Map<String, Integer> counts = count(800);
        assertThat(counts).containsEntry("a", 100).containsEntry("b", 200).containsEntry("c", 500);
    }

    @Test
    void eachServersLoadIsReadOnceAndTheTieIsSplitOnWhatWasRead() {
        // Another event loop's reads move the load while a choice is made: here every reading of a replica's load
        // finds one more request than the last. The choice must rest on one reading per server.
        TopologySnapshot t = topology(source("src"), replica("r1", 0), replica("r2", 0, 2), replica("r3", 0));
        Map<String, Integer> readings = new HashMap<>();
        LoadView moving = server -> readings.merge(server, 1, Integer::sum) - 1;
        Map<String, Integer> counts = new HashMap<>();
        for (long rotation = 0; rotation < 4; rotation++) {
            readings.clear();
            ServerView v = Router.chooseReplica(t, 1000, moving, rotation).orElseThrow();
            assertThat(readings).as("rotation %d", rotation).containsOnly(
                    Map.entry("r1", 1), Map.entry("r2", 1), Map.entry("r3", 1));
            counts.merge(v.name(), 1, Integer::sum);
        }
        assertThat(counts).containsOnly(Map.entry("r1", 1), Map.entry("r2", 2), Map.entry("r3", 1));
    }

    @Test
    void tiesSplitByWeightBeyondSixtyFourServers() {
        // Past 64 positions the tie is found by a second pass rather than a bit mask.
        java.util.List<ServerView> servers = new java.util.ArrayList<>();
        servers.add(source("src"));
        for (int i = 0; i < 70; i++) {
            servers.add(i == 68 ? replica("r" + i, 0, 3) : i % 2 == 0 ? replica("r" + i, 5000) : replica("r" + i, 0));
        }
        f.topology = new TopologySnapshot(1, servers);
        Map<String, Integer> counts = count(3800);
        // 35 eligible of weight 1 (the odd positions), and r68 of weight 3: 38 shares of 100 reads.
        assertThat(counts).hasSize(36).containsEntry("r68", 300).containsEntry("r69", 100).containsEntry("r1", 100)
                .doesNotContainKey("r0");
    }

    @Test
    void choiceIsDeterministicForTheSameInputs() {
        TopologySnapshot t = topology(source("src"), replica("r1", 0), replica("r2", 0), replica("r3", 0));
        for (long rotation = 0; rotation < 30; rotation++) {
            assertThat(Router.chooseReplica(t, 1000, LoadView.IDLE, rotation))
                    .isEqualTo(Router.chooseReplica(t, 1000, LoadView.IDLE, rotation));
        }
    }

    @Test
    void sessionsSeededDifferentlyStartOnDifferentReplicas() {
        TopologySnapshot t = topology(source("src"), replica("r1", 0), replica("r2", 0), replica("r3", 0));
        Router r = new Router(RoutingPolicy.DEFAULT);
        java.util.Set<String> firsts = new java.util.HashSet<>();
        for (long seed = 0; seed < 3; seed++) {
            ToServer to = (ToServer) r.route(Fixture.classify("SELECT 1"), new SessionRouting(seed), t, LoadView.IDLE);
            firsts.add(to.server());
        }
        assertThat(firsts).containsExactlyInAnyOrder("r1", "r2", "r3");
    }

    @Test
    void negativeSeedsAndHugeRotationsStillChoose() {
        TopologySnapshot t = topology(source("src"), replica("r1", 0), replica("r2", 0, 2));
        assertThat(Router.chooseReplica(t, 0, LoadView.IDLE, Long.MIN_VALUE)).isPresent();
        assertThat(Router.chooseReplica(t, 0, LoadView.IDLE, Long.MAX_VALUE)).isPresent();
        assertThat(Router.chooseReplica(t, 0, LoadView.IDLE, -1)).isPresent();
    }

    @Test
    void noEligibleReplicaGivesNothing() {
        assertThat(Router.chooseReplica(topology(source("src")), 1000, LoadView.IDLE, 0)).isEmpty();
    }

    @Test
    void routerDoesNotChangeTheSession() {
        f.topology = topology(source("src"), replica("r1", 0), replica("r2", 0));
        RouteDecision a = f.route("SELECT 1");
        RouteDecision b = f.route("SELECT 1");
        assertThat(a).isEqualTo(b);
    }

    // ---- fallback ----

    @Test
    void noReplicasFallBackToTheSourceByDefault() {
        f.topology = topology(source("src"));
        ToServer to = f.send("SELECT 1");
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.READ_FALLBACK_SOURCE);
    }

    @Test
    void noReplicasWithFallbackErrorRefusesWithWhy() {
        f.router = new Router(RoutingPolicy.DEFAULT.withFallback(RoutingPolicy.Fallback.ERROR));
        f.topology = topology(source("src"), replica("r1", -1), replica("r2", 1500), unreachable(replica("r3", 0)),
                notReplicating(replica("r4", 0)));
        Refuse r = f.refused("SELECT 1");
        assertThat(r.kind()).isEqualTo(ErrorKind.NO_REPLICA);
        assertThat(r.message()).isEqualTo("no replica can serve this read (routing.fallback is error): no replica within"
                + " 1000 ms lag (r1: lag unknown, r2: lag 1500 ms, r3: unreachable, r4: not replicating)");
    }

    @Test
    void fallbackErrorStillSendsWritesToTheSource() {
        f.router = new Router(RoutingPolicy.DEFAULT.withFallback(RoutingPolicy.Fallback.ERROR));
        f.topology = topology(source("src"));
        assertThat(f.send("INSERT INTO t VALUES (1)").server()).isEqualTo("src");
        assertThat(f.refused("SELECT 1").message()).contains("no server has the replica role");
    }

    @Test
    void fallbackErrorNeverRefusesStatementsThatOnlySetSessionState() {
        // Drivers send these while connecting; refusing them would refuse the connection.
        f.router = new Router(RoutingPolicy.DEFAULT.withFallback(RoutingPolicy.Fallback.ERROR));
        f.topology = topology(source("src"), replica("r1", 5000));
        assertThat(f.run("SET NAMES utf8mb4").server()).isEqualTo("src");
        assertThat(f.run("SET autocommit=1, sql_mode = concat(@@sql_mode, ',STRICT_TRANS_TABLES')").server())
                .isEqualTo("src");
        assertThat(f.run("USE db1").server()).isEqualTo("src");
        assertThat(f.refused("SELECT 1").kind()).isEqualTo(ErrorKind.NO_REPLICA);
        assertThat(f.refused("SET NAMES utf8mb4; SELECT 1").kind()).isEqualTo(ErrorKind.NO_REPLICA);
    }

    @Test
    void noReplicaAndNoSourceRefusesAReadSayingBoth() {
        f.topology = topology(unreachable(source("src")), replica("r1", 5000));
        Refuse r = f.refused("SELECT 1");
        assertThat(r.kind()).isEqualTo(ErrorKind.NO_SOURCE);
        assertThat(r.message()).contains("r1: lag 5000 ms").contains("the source 'src' is unreachable");
    }

    @Test
    void readsStillReachReplicasWhenTheSourceIsDown() {
        f.topology = topology(unreachable(source("src")), replica("r1", 0));
        assertThat(f.send("SELECT 1").server()).isEqualTo("r1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"INSERT INTO t VALUES (1)", "BEGIN", "SELECT * FROM t FOR UPDATE", "FROBNICATE"})
    void sourceUnreachableRefusesSourceStatementsWithAClearMessage(String sql) {
        f.topology = topology(unreachable(source("src")), replica("r1", 0));
        Refuse r = f.refused(sql);
        assertThat(r.kind()).isEqualTo(ErrorKind.NO_SOURCE);
        assertThat(r.message()).startsWith("this statement needs the source (").endsWith("the source 'src' is unreachable");
    }

    @Test
    void noSourceRoleAtAllSaysSo() {
        f.topology = topology(replica("r1", 0));
        assertThat(f.refused("UPDATE t SET a = 1").message())
                .isEqualTo("this statement needs the source (it writes) and no server has the source role");
    }

    @Test
    void emptyTopologyRefusesEverything() {
        f.topology = TopologySnapshot.empty();
        assertThat(f.refused("SELECT 1").kind()).isEqualTo(ErrorKind.NO_SOURCE);
        assertThat(f.refused("INSERT INTO t VALUES (1)").kind()).isEqualTo(ErrorKind.NO_SOURCE);
    }

    private Map<String, Integer> count(int reads) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < reads; i++) {
            counts.merge(f.run("SELECT 1").server(), 1, Integer::sum);
        }
        return counts;
    }
}
