package io.sluice.routing.route;

import io.sluice.routing.classify.Consistency;

import java.time.Duration;
import java.util.Objects;

/**
 * The routing settings of {@code routing.*}: how stale a replica may be for an autocommit read, what a read does
 * when no replica qualifies, and the read consistency sessions start with.
 *
 * @param maxReplicaLag {@code routing.max_replica_lag}: the largest replication lag a replica may have to serve a
 *                      read (inclusive: a replica exactly at the budget qualifies); default 1s
 * @param fallback      {@code routing.fallback}: where a read goes when no replica qualifies; default
 *                      {@link Fallback#SOURCE}
 * @param consistency   {@code routing.consistency}: the level a session has until it runs
 *                      {@code SET sluice_consistency}; default {@link Consistency#SESSION}
 * @param causalWait    {@code routing.causal_wait}: how long a {@code session}/{@code global} read waits for a replica
 *                      to apply the GTIDs it needs before it falls back; default 50ms; zero never waits, so a read
 *                      no replica is known to have committed yet goes to the source at once (the source's latency)
 */
public record RoutingPolicy(Duration maxReplicaLag, Fallback fallback, Consistency consistency, Duration causalWait) {
    public static final Duration DEFAULT_MAX_REPLICA_LAG = Duration.ofSeconds(1);
    public static final Consistency DEFAULT_CONSISTENCY = Consistency.SESSION;
    public static final Duration DEFAULT_CAUSAL_WAIT = Duration.ofMillis(50);
    public static final RoutingPolicy DEFAULT = new RoutingPolicy(DEFAULT_MAX_REPLICA_LAG, Fallback.SOURCE,
            DEFAULT_CONSISTENCY, DEFAULT_CAUSAL_WAIT);

    /** What a read does when no replica is within its lag budget. */
    public enum Fallback {
        /** Read from the source: always fresh, at the cost of load on the writer. */
        SOURCE,
        /** Refuse the read with a clear error: for deployments where the source must not take read load. */
        ERROR
    }

    public RoutingPolicy {
        Objects.requireNonNull(maxReplicaLag, "maxReplicaLag");
        Objects.requireNonNull(fallback, "fallback");
        Objects.requireNonNull(consistency, "consistency");
        Objects.requireNonNull(causalWait, "causalWait");
        if (maxReplicaLag.isNegative()) {
            throw new IllegalArgumentException("routing.max_replica_lag must be >= 0, was " + maxReplicaLag);
        }
        if (causalWait.isNegative()) {
            throw new IllegalArgumentException("routing.causal_wait must be >= 0, was " + causalWait);
        }
    }

    /** The lag budget and fallback, with the default consistency and causal wait. */
    public RoutingPolicy(Duration maxReplicaLag, Fallback fallback) {
        this(maxReplicaLag, fallback, DEFAULT_CONSISTENCY, DEFAULT_CAUSAL_WAIT);
    }

    public RoutingPolicy withMaxReplicaLag(Duration lag) {
        return new RoutingPolicy(lag, fallback, consistency, causalWait);
    }

    public RoutingPolicy withFallback(Fallback f) {
        return new RoutingPolicy(maxReplicaLag, f, consistency, causalWait);
    }

    public RoutingPolicy withConsistency(Consistency c) {
        return new RoutingPolicy(maxReplicaLag, fallback, c, causalWait);
    }

    public RoutingPolicy withCausalWait(Duration wait) {
        return new RoutingPolicy(maxReplicaLag, fallback, consistency, wait);
    }
}
