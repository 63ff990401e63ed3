package io.sluice.proxy.session;

import io.sluice.proxy.backend.BackendEndpoint;
import io.sluice.routing.classify.Classification;
import io.sluice.routing.classify.StatementClassifier;
import io.sluice.routing.route.ErrorKind;
import io.sluice.routing.route.Reason;
import io.sluice.routing.route.RouteDecision;
import io.sluice.routing.route.Router;
import io.sluice.routing.route.RoutingPolicy;
import io.sluice.routing.route.SessionRouting;
import io.sluice.routing.topology.Role;
import io.sluice.routing.topology.ServerView;
import io.sluice.routing.topology.TopologySnapshot;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Routing a read again as if the servers it lost were down, before the monitor says so. */
class TopologyRoutesAvoidTest {
    private static final Classification READ = new StatementClassifier().classify("SELECT a FROM t");
    private final TopologySnapshot topology = new TopologySnapshot(1, List.of(
            new ServerView("src", Role.SOURCE, true, false, 0, 1, false),
            new ServerView("r1", Role.REPLICA, true, true, 0, 1, true),
            new ServerView("r2", Role.REPLICA, true, true, 0, 1, true)));
    private final TopologyRoutes routes = new TopologyRoutes(() -> topology, new Router(RoutingPolicy.DEFAULT),
            List.of(new BackendEndpoint("src", "127.0.0.1", 1), new BackendEndpoint("r1", "127.0.0.1", 2),
                    new BackendEndpoint("r2", "127.0.0.1", 3)));
    private final SessionRouting session = new SessionRouting(0);

    private RouteDecision route(String... avoid) {
        return routes.route(READ, session, false, Set.of(avoid));
    }

    @Test
    void aLostReplicaIsNotChosenAgain() {
        for (int i = 0; i < 8; i++) {
            assertThat(((RouteDecision.ToServer) route("r1")).server()).isEqualTo("r2");
        }
    }

    @Test
    void withEveryReplicaLostTheReadFallsBackToTheSource() {
        RouteDecision.ToServer to = (RouteDecision.ToServer) route("r1", "r2");
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.READ_FALLBACK_SOURCE);
    }

    @Test
    void withEveryServerLostThereIsNoRoute() {
        assertThat(route("r1", "r2", "src")).isInstanceOfSatisfying(RouteDecision.Refuse.class,
                r -> assertThat(r.kind()).isEqualTo(ErrorKind.NO_SOURCE));
    }

    @Test
    void theMonitorsSnapshotIsLeftAlone() {
        route("r1");
        assertThat(topology.server("r1").orElseThrow().reachable()).isTrue();
    }
}
