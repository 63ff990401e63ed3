package io.sluice.routing.route;

/**
 * Why the router refused a statement. The session answers ERR and keeps the connection; proxy-core maps each kind
 * to an entry of the error catalogue.
 */
public enum ErrorKind {
    /** The statement needs the source and no reachable server has the source role. */
    NO_SOURCE,
    /** A read found no replica within its lag budget and {@code routing.fallback} is {@code error}. */
    NO_REPLICA,
    /**
     * A {@code session} or {@code global} read found no replica that has applied the GTIDs it needs within
     * {@code routing.causal_wait}, and {@code routing.fallback} is {@code error}.
     */
    NO_CAUSAL_REPLICA,
    /** The server running the session's transaction is unreachable or gone from the topology. */
    TRANSACTION_SERVER_LOST,
    /**
     * A statement that creates connection-bound state (temporary table, named lock, user variable, SQL
     * {@code PREPARE}, {@code HANDLER}) inside a {@code READ ONLY} transaction served by a replica: the state would
     * live on the replica while the session is pinned to the source afterwards.
     */
    PIN_IN_REPLICA_TRANSACTION,
    /**
     * A write (or other source-only statement that would not end the transaction) inside a {@code READ ONLY}
     * transaction served by a replica: refused as the server refuses it (ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION,
     * 1792, 25006), and never sent to the replica, where non-transactional ones ({@code SET GLOBAL},
     * {@code PURGE}) would run.
     */
    WRITE_IN_READ_ONLY_TRANSACTION
}
