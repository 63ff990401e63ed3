package io.sluice.proxy.session;

import io.sluice.proxy.gtid.GtidTracking;
import io.sluice.proxy.backend.BackendEndpoint;
import io.sluice.routing.classify.Classification;
import io.sluice.routing.classify.Consistency;
import io.sluice.routing.route.Reason;
import io.sluice.routing.route.RouteDecision;
import io.sluice.routing.route.SessionRouting;

/**
 * Where a session's statements go, and how to reach each server. The session asks; the answer comes from the
 * topology the monitor publishes and the routing module's {@link io.sluice.routing.route.Router}.
 *
 * <p>Thread-safe: shared by every session; each call reads the current topology snapshot without locks.
 */
public interface Routes {

    /** The server that takes logins and the commands that are not routed: the source when known. */
    String primary();

    /** The address of a server by name. */
    BackendEndpoint endpoint(String server);

    /**
     * The decision for a classified statement of a session ({@code prepared}: a COM_STMT_EXECUTE of a statement
     * classified when it was prepared). Does not change the session's routing state.
     */
    RouteDecision route(Classification statement, SessionRouting session, boolean prepared);

    /**
     * As {@link #route(Classification, SessionRouting, boolean)}, as if the servers in {@code avoid} were unreachable:
     * a read whose server died under it is sent again before the monitor has noticed.
     */
    default RouteDecision route(Classification statement, SessionRouting session, boolean prepared,
                                java.util.Set<String> avoid) {
        RouteDecision d = route(statement, session, prepared);
        if (d instanceof RouteDecision.ToServer to && avoid.contains(to.server())) {
            return new RouteDecision.Refuse(io.sluice.routing.route.ErrorKind.NO_SOURCE,
                    "no server but '" + to.server() + "', which was just lost, can serve this statement");
        }
        return d;
    }

    /**
     * How long a statement refused for want of a source is held, re-routed until one appears (a failover), before it
     * is refused; zero: at once.
     */
    /** The last failover's promotion, or null; see {@link Promotion}. */
    default Promotion lastPromotion() {
        return null;
    }

    /** {@code failover.lost_write: error}: a session that lost an acknowledged write in a failover is told so. */
    default boolean lostWriteError() {
        return true;
    }

    default java.time.Duration sourceHold() {
        return java.time.Duration.ZERO;
    }

    /** What each server has applied, and waits for one to catch up. */
    default GtidTracking gtids() {
        return GtidTracking.NONE;
    }

    /** The level sessions start with ({@code routing.consistency}). */
    default Consistency defaultConsistency() {
        return Consistency.EVENTUAL;
    }

    /** How long a consistent read of this session may wait for a replica: its own choice, else the policy's. */
    default java.time.Duration causalWaitOf(SessionRouting session) {
        return session.causalWait().orElse(java.time.Duration.ZERO);
    }

    /** The consistency level that applies to a statement of a session (hint, the session's choice, the default). */
    default Consistency consistencyOf(Classification statement, SessionRouting session) {
        return Consistency.EVENTUAL;
    }

    /** A statement was sent to {@code server} (for the least-outstanding replica choice). */
    default void started(String server) {
    }

    /** A statement sent to {@code server} has its complete response. */
    default void finished(String server) {
    }

    /** Statements sent to {@code server} and not yet answered (for the admin interface and metrics; any thread). */
    default int inFlight(String server) {
        return 0;
    }

    /** Everything to one server: the relay of issue #2, used when no monitor is configured. */
    static Routes single(BackendEndpoint endpoint) {
        return new Routes() {
            @Override
            public String primary() {
                return endpoint.name();
            }

            @Override
            public BackendEndpoint endpoint(String server) {
                if (!server.equals(endpoint.name())) {
                    throw new IllegalArgumentException("unknown server " + server);
                }
                return endpoint;
            }

            @Override
            public RouteDecision route(Classification statement, SessionRouting session, boolean prepared) {
                return new RouteDecision.ToServer(endpoint.name(), Reason.WRITE, false);
            }
        };
    }
}
