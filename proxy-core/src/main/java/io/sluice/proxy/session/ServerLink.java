package io.sluice.proxy.session;

import io.sluice.proxy.backend.BackendConnection;

import java.util.HashMap;
import java.util.Map;

/**
 * A connection to one backend server, held by one session at a time and pooled between statements. It carries
 * what it holds of the sessions that used it: the session-state snapshot applied to it, and the statements
 * prepared on it (by SQL text, so that every session of the same user reuses them), with whether parameter types
 * were already sent for each (COM_STMT_EXECUTE may omit them after the first execution, but only on the
 * connection that saw them).
 *
 * <p>Confined to its event loop.
 */
final class ServerLink {
    /** Past this many cached statements the connection is reset when it goes back to the pool. */
    static final int MAX_CACHED_STATEMENTS = 256;

    final String server;
    final BackendConnection connection;
    final ResponseTracker tracker;
    /** Its pool's slot for the key it logged in under: where it goes when given back. */
    final LinkPool.Slot slot;
    SessionState.Snapshot applied;
    /**
     * The statements prepared on this connection, by SQL text. Sessions intern the texts they prepare, so that the
     * lookup on every execute finds the key by identity whichever session put it there.
     */
    final Map<String, Statement> statements = new HashMap<>();
    /** Set while Sluice runs a statement of its own on this link (state replay, lazy prepare, reset). */
    InternalExchange internal;
    /**
     * The client's own {@code session_track_*} setting replaced the tracking Sluice turned on at connect: it is
     * turned on again before the next command.
     */
    boolean gtidTrackingLost;
    /** Closed by the pool to make room; its close must not be counted twice. */
    boolean closedByPool;

    ServerLink(String server, BackendConnection connection, boolean deprecateEof, SessionState.Snapshot applied,
               LinkPool.Slot slot) {
        this.server = server;
        this.connection = connection;
        this.tracker = new ResponseTracker(deprecateEof);
        this.applied = applied;
        this.slot = slot;
    }

    long threadId() {
        return connection.threadId();
    }

    /** Forgets what a COM_RESET_CONNECTION discards on the server. */
    void afterReset() {
        statements.clear();
        applied = SessionState.Snapshot.fresh(applied.database());
    }

    @Override
    public String toString() {
        return server + "#" + connection.threadId();
    }

    /** A statement prepared on the connection: the server's id for it, and the parameter types it last received. */
    static final class Statement {
        final long id;
        /** 2 bytes per parameter; null until an execute on this connection sent types. */
        byte[] typesSent;

        Statement(long id) {
            this.id = id;
        }
    }
}
