package io.sluice.routing.classify;

/**
 * What a statement is, by its leading keywords. See
 * <a href="https://dev.mysql.com/doc/refman/8.0/en/sql-statements.html">SQL Statements</a>.
 * Query expressions ({@code SELECT}, {@code TABLE t}, {@code VALUES ROW(..)}, {@code WITH .. SELECT},
 * parenthesised queries and unions) are all {@link #SELECT}.
 */
public enum StatementKind {
    SELECT(true), SHOW(true), DESCRIBE(true), EXPLAIN(true), HELP(true),
    DO(false), CALL(false),
    SET(false), USE(true),
    BEGIN(false), COMMIT(false), ROLLBACK(false), SAVEPOINT(false), RELEASE_SAVEPOINT(false), XA(false),
    LOCK_TABLES(false), UNLOCK_TABLES(false),
    PREPARE(false), EXECUTE(false), DEALLOCATE_PREPARE(false),
    INSERT(false), REPLACE(false), UPDATE(false), DELETE(false), LOAD_DATA(false),
    CREATE(false), ALTER(false), DROP(false), RENAME(false), TRUNCATE(false), GRANT(false), REVOKE(false),
    ANALYZE_TABLE(false), OPTIMIZE_TABLE(false), REPAIR_TABLE(false), CHECK_TABLE(false), CHECKSUM_TABLE(false),
    CACHE_INDEX(false), FLUSH(false), KILL(false), HANDLER(false), SHUTDOWN(false), INSTALL(false), UNINSTALL(false),
    RESET(false), PURGE(false), CHANGE_MASTER(false), START_REPLICA(false), STOP_REPLICA(false), BINLOG(false),
    SIGNAL(false), GET_DIAGNOSTICS(false),
    /** Only comments and semicolons: the server answers "Query was empty". */
    EMPTY(false),
    /** Not understood, or not lexable (unterminated string or comment): goes to the source. */
    UNKNOWN(false);

    private final boolean readOnly;

    StatementKind(boolean readOnly) {
        this.readOnly = readOnly;
    }

    /** Whether statements of this kind never change data or server state by themselves. */
    public boolean readOnly() {
        return readOnly;
    }
}
