package io.sluice.routing.route;

import java.time.Duration;
import java.util.Objects;

/**
 * The routing settings of {@code routing.*}: how stale a replica may be for an autocommit read, and what a read
 * does when no replica qualifies.
 *
 * @param maxReplicaLag {@code routing.max_replica_lag}: the largest replication lag a replica may have to serve a
 *                      read (inclusive: a replica exactly at the budget qualifies); default 1s
 * @param fallback      {@code routing.fallback}: where a read goes when no replica qualifies; default
 *                      {@link Fallback#SOURCE}
 */
public record RoutingPolicy(Duration maxReplicaLag, Fallback fallback) {
    public static final Duration DEFAULT_MAX_REPLICA_LAG = Duration.ofSeconds(1);
    public static final RoutingPolicy DEFAULT = new RoutingPolicy(DEFAULT_MAX_REPLICA_LAG, Fallback.SOURCE);

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
        if (maxReplicaLag.isNegative()) {
            throw new IllegalArgumentException("routing.max_replica_lag must be >= 0, was " + maxReplicaLag);
        }
    }

    public RoutingPolicy withMaxReplicaLag(Duration lag) {
        return new RoutingPolicy(lag, fallback);
    }

    public RoutingPolicy withFallback(Fallback f) {
        return new RoutingPolicy(maxReplicaLag, f);
    }
}
