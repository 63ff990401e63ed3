package io.sluice.routing.classify;

/** Session state that exists only on the backend connection that created it, so it ties the session to the source. */
public enum Pin {
    /** {@code CREATE TEMPORARY TABLE}; released (one table) by {@code DROP TEMPORARY TABLE}. */
    TEMPORARY_TABLE,
    /** {@code LOCK TABLES}, {@code FLUSH TABLES ... WITH READ LOCK}; released by {@code UNLOCK TABLES}. */
    TABLE_LOCK,
    /** {@code LOCK INSTANCE FOR BACKUP}; released by {@code UNLOCK INSTANCE}. */
    BACKUP_LOCK,
    /** {@code GET_LOCK()}; released one by one by {@code RELEASE_LOCK()}, all by {@code RELEASE_ALL_LOCKS()}. */
    NAMED_LOCK,
    /** A user variable assigned by SQL ({@code SET @x=}, {@code INTO @x}, {@code @x :=}). Never released. */
    USER_VARIABLE,
    /** A SQL-level {@code PREPARE}; released (one statement) by {@code DEALLOCATE PREPARE}. */
    PREPARED_STATEMENT,
    /** {@code HANDLER t OPEN}; released (one handler) by {@code HANDLER t CLOSE}. */
    HANDLER
}
