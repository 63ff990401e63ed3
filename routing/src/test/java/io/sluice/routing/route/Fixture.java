package io.sluice.routing.route;

import io.sluice.routing.classify.Classification;
import io.sluice.routing.classify.StatementClassifier;
import io.sluice.routing.route.RouteDecision.Refuse;
import io.sluice.routing.route.RouteDecision.ToServer;
import io.sluice.routing.topology.Role;
import io.sluice.routing.topology.ServerView;
import io.sluice.routing.topology.TopologySnapshot;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A session driven through the router as FrontendSession drives it: classify with the real classifier, route,
 * report sent, report the server's answer.
 */
final class Fixture {
    static final StatementClassifier CLASSIFIER = new StatementClassifier();

    Router router = new Router(RoutingPolicy.DEFAULT);
    SessionRouting session = new SessionRouting(0);
    TopologySnapshot topology = topology(source("src"), replica("r1", 0));
    LoadView load = LoadView.IDLE;

    static ServerView source(String name) {
        return new ServerView(name, Role.SOURCE, true, false, 0, 1, false);
    }

    static ServerView replica(String name, long lagMillis) {
        return replica(name, lagMillis, 1);
    }

    static ServerView replica(String name, long lagMillis, int weight) {
        return new ServerView(name, Role.REPLICA, true, true, lagMillis, weight, true);
    }

    static ServerView unreachable(ServerView v) {
        return new ServerView(v.name(), v.role(), false, v.replicating(), v.lagMillis(), v.weight(), v.readOnly());
    }

    static ServerView notReplicating(ServerView v) {
        return new ServerView(v.name(), v.role(), v.reachable(), false, v.lagMillis(), v.weight(), v.readOnly());
    }

    static TopologySnapshot topology(ServerView... servers) {
        return new TopologySnapshot(1, List.of(servers));
    }

    static Classification classify(String sql) {
        return CLASSIFIER.classify(sql);
    }

    RouteDecision route(String sql) {
        return router.route(classify(sql), session, topology, load);
    }

    /** Routes, asserts a server was chosen, and reports it sent. */
    ToServer send(String sql) {
        Classification c = classify(sql);
        RouteDecision d = router.route(c, session, topology, load);
        assertThat(d).as("decision for %s", sql).isInstanceOf(ToServer.class);
        ToServer to = (ToServer) d;
        session.onStatementSent(c, to);
        return to;
    }

    /** Sends and reports an OK with the given in-transaction flag. */
    ToServer run(String sql, boolean inTransactionAfter) {
        ToServer to = send(sql);
        session.onStatementDone(inTransactionAfter);
        return to;
    }

    /** Sends and reports an OK that says no transaction is open. */
    ToServer run(String sql) {
        return run(sql, false);
    }

    Refuse refused(String sql) {
        RouteDecision d = route(sql);
        assertThat(d).as("decision for %s", sql).isInstanceOf(Refuse.class);
        return (Refuse) d;
    }
}
