package io.sluice.proxy.session;

import io.netty.util.concurrent.EventExecutor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link LinkPool} of every event loop. {@code pool.max_per_backend} is shared out among the loops that
 * serve clients, rounding up, so the total never exceeds it by more than the number of loops less one.
 */
public final class LinkPools {
    private final Map<EventExecutor, LinkPool> pools = new ConcurrentHashMap<>();
    private final int perLoop;
    private final long acquireTimeoutMillis;
    /**
     * Servers a reload removed: a connection to one of them given back is closed, not kept idle. Immutable, replaced
     * whole; each pool reads it without a lock.
     */
    private volatile java.util.Set<String> retired = java.util.Set.of();

    public LinkPools(int maxPerBackend, int loops, long acquireTimeoutMillis) {
        this.perLoop = Math.max(1, (maxPerBackend + loops - 1) / loops);
        this.acquireTimeoutMillis = acquireTimeoutMillis;
    }

    LinkPool of(EventExecutor loop) {
        return pools.computeIfAbsent(loop, l -> new LinkPool(l, perLoop, this::isRetired));
    }

    private boolean isRetired(String server) {
        return retired.contains(server);
    }

    /**
     * A reload removed {@code server}: its idle connections are closed now on every loop, and any connection to it a
     * session gives back later is closed instead of pooled. Called by one thread at a time (the reload).
     */
    public synchronized void retire(String server) {
        java.util.Set<String> next = new java.util.HashSet<>(retired);
        next.add(server);
        retired = java.util.Set.copyOf(next);
        closeIdle(server);
    }

    /** A reload added {@code server} (perhaps one removed before): its connections are pooled again. */
    public synchronized void reinstate(String server) {
        if (retired.contains(server)) {
            java.util.Set<String> next = new java.util.HashSet<>(retired);
            next.remove(server);
            retired = java.util.Set.copyOf(next);
        }
    }

    long acquireTimeoutMillis() {
        return acquireTimeoutMillis;
    }

    /** Idle pooled connections to a server across all loops (any thread; approximate while busy). */
    public int idleConnections(String server) {
        int n = 0;
        for (LinkPool p : pools.values()) {
            n += p.idleCount(server);
        }
        return n;
    }

    /** Closes the idle pooled connections to {@code server} on every loop (the admin's {@code OFFLINE HARD}). */
    public void closeIdle(String server) {
        for (LinkPool p : pools.values()) {
            p.loop().execute(() -> p.closeIdle(server));
        }
    }

    /** Backend connections open to a server across all loops (read from any thread; approximate while busy). */
    public int openConnections(String server) {
        int n = 0;
        for (LinkPool p : pools.values()) {
            n += p.openCount(server);
        }
        return n;
    }
}
