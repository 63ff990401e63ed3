package io.sluice.proxy.session;

import io.sluice.proxy.backend.BackendConnection;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A session's connection to one backend server, and what that connection holds of the session: the session-state
 * snapshot applied to it, and the statements prepared on it (client statement id → the server's id), with
 * whether parameter types were already sent for each (COM_STMT_EXECUTE may omit them after the first execution,
 * but only on the connection that saw them).
 *
 * <p>Confined to the owning session's event loop.
 */
final class ServerLink {
    final String server;
    final BackendConnection connection;
    final ResponseTracker tracker;
    SessionState.Snapshot applied;
    final Map<Long, Long> prepared = new HashMap<>();
    final Set<Long> typesSent = new HashSet<>();
    /** Set while Sluice runs a statement of its own on this link (state replay, lazy prepare). */
    InternalExchange internal;

    ServerLink(String server, BackendConnection connection, boolean deprecateEof, SessionState.Snapshot applied) {
        this.server = server;
        this.connection = connection;
        this.tracker = new ResponseTracker(deprecateEof);
        this.applied = applied;
    }

    long threadId() {
        return connection.threadId();
    }

    @Override
    public String toString() {
        return server + "#" + connection.threadId();
    }
}
