/**
 * The GTID tracker: each backend's executed GTID set, transaction by transaction, read from the backend's own binlog,
 * and waiters that fire on a session's event loop as soon as a server has what the session needs.
 *
 * <p>{@link io.sluice.proxy.gtid.GtidTracker} is the entry point; {@link io.sluice.proxy.gtid.BinlogFollower} is the
 * per-server loop (seed, stream, reconnect, poll), {@link io.sluice.proxy.gtid.CommitDetector} says at which binlog event
 * a transaction counts, and {@link io.sluice.proxy.gtid.WaiterRegistry} holds the published sets and the waiters.
 */
package io.sluice.proxy.gtid;
