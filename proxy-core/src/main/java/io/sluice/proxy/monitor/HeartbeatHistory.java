package io.sluice.proxy.monitor;

/**
 * When Sluice issued each recent heartbeat, on its own monotonic clock ({@link System#nanoTime()}): the reference
 * that turns "replica X has heartbeat n" into a lag in milliseconds without comparing two servers' clocks.
 *
 * <p>Sequence numbers start at 1 and grow by one per heartbeat. The last {@code capacity} are remembered; a replica
 * holding an older one is reported as lagging at least since the oldest remembered heartbeat, which is already
 * {@code capacity} heartbeats ago (minutes), far past any read budget.
 *
 * <p>Not thread-safe: confined to the monitor's event loop.
 */
final class HeartbeatHistory {
    private final long[] issuedAt;
    private long first = 1;
    private long next = 1;

    HeartbeatHistory(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be > 0");
        }
        this.issuedAt = new long[capacity];
    }

    /** Records a heartbeat issued at {@code nanos} and returns its sequence number. */
    long issue(long nanos) {
        long seq = next++;
        issuedAt[slot(seq)] = nanos;
        if (next - first > issuedAt.length) {
            first = next - issuedAt.length;
        }
        return seq;
    }

    boolean isEmpty() {
        return next == first;
    }

    /** The newest sequence number issued, 0 if none. */
    long latest() {
        return next - 1;
    }

    /**
     * Lag, in milliseconds at {@code nowNanos}, of a server whose newest heartbeat is {@code seq}; -1 when {@code seq}
     * is not one this history issued (none read yet, or another writer's).
     *
     * <p>The server has everything committed on the source before heartbeat {@code seq} was issued (the heartbeat
     * committed after that, and replicas apply in commit order), so its data is at most this old: an upper bound,
     * which is the safe side for a read budget.
     */
    long lagMillis(long seq, long nowNanos) {
        if (seq < 1 || seq >= next) {
            return -1;
        }
        long from = issuedAt[slot(Math.max(seq, first))];
        return Math.max(0, (nowNanos - from) / 1_000_000);
    }

    private int slot(long seq) {
        return (int) (seq % issuedAt.length);
    }
}
