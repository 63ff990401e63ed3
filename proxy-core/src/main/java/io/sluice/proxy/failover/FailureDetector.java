package io.sluice.proxy.failover;

import io.sluice.proxy.monitor.MonitoredBackend;
import io.sluice.proxy.monitor.Observation;
import io.sluice.proxy.monitor.ReplicationChannel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decides, from the monitor's checks, whether the source is dead: a pure state machine fed one check at a time with
 * the time it was taken, so that every rule is tested without servers.
 *
 * <p>The source is dead when BOTH hold (orchestrator's "holistic" detection):
 * <ol>
 *   <li>Sluice's own checks of it failed {@code failcount} times in a row (one success starts the count again);</li>
 *   <li>every reachable server replicating from it says it lost it too: its IO thread is not running
 *       ({@code Connecting} or stopped). At least one such replica must have been seen: with none, nothing confirms
 *       that the source is down rather than cut off from Sluice alone.</li>
 * </ol>
 * A source that is only stalled ({@code SIGSTOP}, a long lock) keeps its replicas' connections open until
 * {@code slave_net_timeout}, so a stall shorter than that is never a failover however many checks time out.
 *
 * <p>Anti-flap: a death found within {@code minInterval} of the last failover is {@link Kind#SUPPRESSED}, left to an
 * operator.
 *
 * <p>Not thread-safe: confined to the monitor's event loop, where checks are reported.
 */
final class FailureDetector {
    /** What the detector concludes after a check. */
    enum Kind {
        /** The source answered its last check, or no source is known. */
        HEALTHY,
        /** The source failed checks, but not enough of them, or its replicas still see it. */
        SUSPECT,
        /** Fail over now. */
        DEAD,
        /** Dead, but a failover happened less than {@code minInterval} ago. */
        SUPPRESSED
    }

    record Verdict(Kind kind, String why) {
    }

    /** Written by a reload from another thread, read on the loop: replaced whole. */
    private volatile List<MonitoredBackend> backends;
    private final int failcount;
    private final long minIntervalNanos;
    private final Map<String, Observation> latest = new HashMap<>();
    private String source;
    private long sourceServerId;
    private int failures;
    private boolean everFailedOver;
    private long lastFailoverNanos;

    FailureDetector(List<MonitoredBackend> backends, int failcount, Duration minInterval) {
        this.backends = List.copyOf(backends);
        if (failcount < 1) {
            throw new IllegalArgumentException("failcount must be >= 1: " + failcount);
        }
        this.failcount = failcount;
        this.minIntervalNanos = minInterval.toNanos();
    }

    /** A reload added or removed backends: which replicas can confirm the source's loss. */
    void backends(List<MonitoredBackend> next) {
        backends = List.copyOf(next);
    }

    /** The server to watch as the source (the monitor named it); a change starts the count again. */
    void watch(String server) {
        if (!Objects.equals(server, source)) {
            source = server;
            failures = 0;
            sourceServerId = 0;
        }
    }

    String watched() {
        return source;
    }

    /** Consecutive failed checks of the watched source. */
    int failures() {
        return failures;
    }

    /** A failover started at {@code nowNanos}: the anti-flap interval runs from here. */
    void failedOver(long nowNanos) {
        everFailedOver = true;
        lastFailoverNanos = nowNanos;
    }

    /** One check's result; returns what is now concluded about the source. */
    Verdict checked(String server, Observation o, long nowNanos) {
        latest.put(server, o);
        if (server.equals(source)) {
            if (o.reachable()) {
                failures = 0;
                sourceServerId = o.serverId();
            } else {
                failures++;
            }
        }
        return verdict(nowNanos);
    }

    private Verdict verdict(long nowNanos) {
        if (source == null || failures == 0) {
            return new Verdict(Kind.HEALTHY, "");
        }
        if (failures < failcount) {
            return new Verdict(Kind.SUSPECT, failures + " of " + failcount + " checks failed");
        }
        MonitoredBackend watched = backend(source);
        List<String> lost = new ArrayList<>();
        for (MonitoredBackend b : backends) {
            Observation o = latest.get(b.name());
            if (b.name().equals(source) || o == null || !o.reachable()) {
                continue;
            }
            for (ReplicationChannel c : o.channels()) {
                if (!pointsAt(c, watched)) {
                    continue;
                }
                if (c.ioRunning()) {
                    return new Verdict(Kind.SUSPECT, failures + " checks failed, but " + b.name()
                            + " still replicates from it");
                }
                lost.add(b.name());
            }
        }
        if (lost.isEmpty()) {
            return new Verdict(Kind.SUSPECT, failures + " checks failed, and no reachable replica can confirm it");
        }
        String why = failures + " consecutive checks failed and its replicas lost it too (" + String.join(", ", lost)
                + ")";
        if (everFailedOver && nowNanos - lastFailoverNanos < minIntervalNanos) {
            return new Verdict(Kind.SUPPRESSED, why + "; the last failover was "
                    + Duration.ofNanos(nowNanos - lastFailoverNanos).toMillis() + " ms ago, within min_interval");
        }
        return new Verdict(Kind.DEAD, why);
    }

    private boolean pointsAt(ReplicationChannel c, MonitoredBackend b) {
        if (b.endpoint().host().equalsIgnoreCase(c.host()) && b.endpoint().port() == c.port()) {
            return true;
        }
        return sourceServerId > 0 && c.sourceServerId() == sourceServerId;
    }

    private MonitoredBackend backend(String name) {
        for (MonitoredBackend b : backends) {
            if (b.name().equals(name)) {
                return b;
            }
        }
        throw new IllegalStateException("not a backend: " + name);
    }
}
