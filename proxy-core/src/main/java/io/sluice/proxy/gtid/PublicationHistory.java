package io.sluice.proxy.gtid;

import io.sluice.protocol.gtid.GtidSet;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * When a server published which executed set, in windows of at least a millisecond, for the last
 * {@value #WINDOWS} windows (a second or more): enough to say how far behind another server is, in time, from the
 * sets alone. A replica that contains the set the source published at the end of a window has every transaction the
 * source had then; the first window whose set it does not contain started when the oldest transaction it lacks was
 * published, so its lag is at most {@code now} minus that window's start.
 *
 * <p>One writer (the server's binlog thread), any number of readers: each window is an immutable record in an atomic
 * array, replaced whole, and the newest window's number is published last.
 */
final class PublicationHistory {
    static final int WINDOWS = 1024;
    static final long WINDOW_NANOS = 1_000_000;

    /** Window {@code number}: publications from {@code startNanos} for under a millisecond; {@code last} their last set. */
    private record Window(long number, long startNanos, GtidSet last) {
    }

    private final AtomicReferenceArray<Window> windows = new AtomicReferenceArray<>(WINDOWS);
    private volatile long newest = -1;

    /** The server published {@code set} at {@code nowNanos}; from its one publishing thread. */
    void published(GtidSet set, long nowNanos) {
        long n = newest;
        Window w = n < 0 ? null : windows.get(slot(n));
        if (w != null && nowNanos - w.startNanos() < WINDOW_NANOS) {
            windows.set(slot(n), new Window(n, w.startNanos(), set));
            return;
        }
        long next = n + 1;
        windows.set(slot(next), new Window(next, nowNanos, set));
        newest = next;
    }

    /**
     * How far behind this server {@code other} (another server's executed set) is, in milliseconds: 0 when it has
     * everything published here, else {@code now} minus the start of the first window whose set it lacks. -1 when
     * that cannot be told: nothing published yet, or it lacks even the oldest window remembered.
     */
    long lagMillis(GtidSet other, long nowNanos) {
        long hi = newest;
        if (hi < 0) {
            return -1;
        }
        Window top = windows.get(slot(hi));
        if (top == null || other.contains(top.last())) {
            return 0;
        }
        long lo = Math.max(0, hi - WINDOWS + 1);
        Window bottom = windows.get(slot(lo));
        if (bottom == null || bottom.number() != lo || !other.contains(bottom.last())) {
            return -1;   // beyond what is remembered (or overwritten meanwhile): an upper bound cannot be given
        }
        // Sets only grow: 'contained' holds for lo and fails for hi. Find the first window where it fails.
        while (hi - lo > 1) {
            long mid = (lo + hi) >>> 1;
            Window w = windows.get(slot(mid));
            if (w == null || w.number() != mid) {
                return -1;
            }
            if (other.contains(w.last())) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Window first = windows.get(slot(hi));
        if (first == null || first.number() != hi) {
            return -1;
        }
        return Math.max(0, (nowNanos - first.startNanos()) / 1_000_000);
    }

    private static int slot(long number) {
        return (int) (number % WINDOWS);
    }
}
