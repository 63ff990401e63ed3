package io.sluice.proxy.session;

import io.sluice.proxy.backend.BackendEndpoint;
import io.sluice.routing.classify.Classification;

/**
 * Where a session's statements go, and how to reach each server. The session asks; the answer comes from the
 * topology and the routing module's rules.
 */
public interface Routes {

    /** The server that takes logins and anything not routed (the source). */
    String primary();

    /** The address of a server by name. */
    BackendEndpoint endpoint(String server);

    /** The server for a classified statement of this session, or null when none can take it. */
    String route(Classification statement, FrontendSession session);

    /** Whether the session holds state on that server that a new connection could not restore. */
    boolean holdsState(FrontendSession session, String server);

    /** Everything to one server: the relay of issue #2, before read/write splitting. */
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
            public String route(Classification statement, FrontendSession session) {
                return endpoint.name();
            }

            @Override
            public boolean holdsState(FrontendSession session, String server) {
                return true;
            }
        };
    }
}
