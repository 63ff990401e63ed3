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

    public LinkPools(int maxPerBackend, int loops, long acquireTimeoutMillis) {
        this.perLoop = Math.max(1, (maxPerBackend + loops - 1) / loops);
        this.acquireTimeoutMillis = acquireTimeoutMillis;
    }

    LinkPool of(EventExecutor loop) {
        return pools.computeIfAbsent(loop, l -> new LinkPool(l, perLoop));
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
