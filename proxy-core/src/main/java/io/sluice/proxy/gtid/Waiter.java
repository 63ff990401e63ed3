package io.sluice.proxy.gtid;

/**
 * A pending wait for a GTID set, returned by {@link GtidTracker#await}. It fires at most once; the caller keeps its own
 * timeout (on its own event loop) and cancels when it expires.
 */
public interface Waiter {
    /**
     * Withdraws the wait.
     *
     * @return true if this call cancelled it before it fired, so the callback will never run; false if it had already
     *     fired (its callback has been or is being handed to its executor) or was already cancelled
     */
    boolean cancel();
}
