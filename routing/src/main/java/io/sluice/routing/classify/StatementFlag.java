package io.sluice.routing.classify;

/** Facts about a statement that explain its route or that the session must act on. */
public enum StatementFlag {
    /** Changes data, schema or server state (including sequences via {@code NEXTVAL}/{@code SETVAL}). */
    WRITES,
    /** {@code FOR UPDATE}, {@code FOR SHARE}, {@code LOCK IN SHARE MODE}, at any depth. */
    LOCKING_READ,
    /** {@code INTO OUTFILE} / {@code INTO DUMPFILE}: writes a file on the server. */
    INTO_FILE,
    /** Reads state that lives on the source connection: {@code LAST_INSERT_ID()}, lock functions, {@code LASTVAL}, {@code @@identity}. */
    SESSION_DEPENDENT,
    /**
     * The answer depends on the previous statement on the same backend connection ({@code FOUND_ROWS()},
     * {@code ROW_COUNT()}, {@code SHOW WARNINGS}, {@code @@warning_count}, {@code GET DIAGNOSTICS}); the route says
     * SOURCE, but a session should send it where its previous statement ran.
     */
    PREVIOUS_STATEMENT_DEPENDENT,
    /** The answer depends on which server runs it (replication status, process list, replication waits). */
    SERVER_SPECIFIC,
    /** {@code SET GLOBAL} / {@code PERSIST} / {@code @@global.}: a source write with no session effect. */
    SET_GLOBAL,
    /** {@code START TRANSACTION WITH CONSISTENT SNAPSHOT}. */
    CONSISTENT_SNAPSHOT,
    /** {@code COMMIT AND CHAIN}: a new transaction starts at once with the same characteristics. */
    CHAIN,
    /** {@code COMMIT RELEASE}: the server closes the connection afterwards. */
    RELEASE,
    /** {@code EXPLAIN ANALYZE} / MariaDB {@code ANALYZE stmt}: the explained statement really runs. */
    EXECUTES_STATEMENT,
    /** The proxy must handle it itself ({@code KILL}: the client's ids are the proxy's, not a backend's). */
    INTERCEPT,
    /** A string, quoted identifier or comment was not terminated. */
    UNTERMINATED
}
