package io.sluice.routing.route;

/** Why a statement goes where it goes: for logs, metrics and tests. */
public enum Reason {
    /** It writes data, schema or server state, or is otherwise a source-only statement (e.g. {@code COMMIT} outside a transaction). */
    WRITE,
    /** {@code SELECT ... FOR UPDATE / FOR SHARE / LOCK IN SHARE MODE}: locks rows only the source can lock. */
    LOCKING_READ,
    /** A read whose answer only the source connection has: {@code LAST_INSERT_ID()}, lock functions, replication waits. */
    SOURCE_STATE,
    /** Not understood (or not lexable): the source can never be wrong. */
    UNKNOWN_TO_SOURCE,
    /** Inside an explicit (or {@code autocommit=0}) transaction: where the transaction is. */
    TRANSACTION,
    /** Opens a transaction that may write ({@code BEGIN}, or any statement while {@code autocommit=0}): the source. */
    TRANSACTION_START,
    /** The session holds state that exists only on its source connection (temporary table, lock, user variable, ...). */
    PINNED,
    /** An autocommit read (or the start of a {@code READ ONLY} transaction) on a replica within the lag budget. */
    READ_REPLICA,
    /** A read for which no replica qualified, sent to the source ({@code routing.fallback: source}). */
    READ_FALLBACK_SOURCE,
    /** {@code /* sluice:source *}{@code /} sent a read to the source. */
    HINT_SOURCE,
    /** {@code /* sluice:replica *}{@code /} sent the statement to a replica. */
    HINT_REPLICA,
    /**
     * A {@code session} or {@code global} read that no replica within the lag budget could serve, even after waiting
     * up to {@code routing.causal_wait} for one to apply the session's GTIDs: the source has them all.
     */
    CAUSAL_FALLBACK_SOURCE,
    /** {@code SHOW WARNINGS}, {@code FOUND_ROWS()}...: describes the previous statement, so it goes where that ran. */
    PREVIOUS_STATEMENT,
    /** {@code ROLLBACK} of a transaction whose server is gone: it is rolled back already; the source answers OK. */
    ROLLBACK_OF_LOST_TRANSACTION
}
