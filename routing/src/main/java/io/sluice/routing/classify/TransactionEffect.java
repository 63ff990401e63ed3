package io.sluice.routing.classify;

/**
 * What a statement does to the session's transaction. See
 * <a href="https://dev.mysql.com/doc/refman/8.0/en/commit.html">START TRANSACTION, COMMIT, ROLLBACK</a> and
 * <a href="https://dev.mysql.com/doc/refman/8.0/en/implicit-commit.html">Statements That Cause an Implicit Commit</a>.
 *
 * <p>{@code WITH CONSISTENT SNAPSHOT}, {@code AND CHAIN} and {@code RELEASE} are {@link StatementFlag}s. Only
 * commits that surely happen are reported: {@code UNLOCK TABLES} commits only if tables were locked, and
 * {@code SET autocommit=1} only if it was 0, so those say {@link #NONE} and the session decides from its own state
 * (a session that wrongly believes a transaction is still open stays on the source, which is safe; the reverse
 * is not).
 */
public enum TransactionEffect {
    NONE,
    /** {@code BEGIN}, {@code START TRANSACTION}: also commits any open transaction. */
    BEGIN,
    BEGIN_READ_ONLY,
    BEGIN_READ_WRITE,
    COMMIT,
    ROLLBACK,
    SAVEPOINT,
    RELEASE_SAVEPOINT,
    ROLLBACK_TO_SAVEPOINT,
    XA_START,
    XA_END,
    XA_PREPARE,
    XA_COMMIT,
    XA_ROLLBACK,
    XA_RECOVER,
    /** DDL, account management, {@code LOCK TABLES}, {@code FLUSH} and friends commit the open transaction first. */
    IMPLICIT_COMMIT
}
