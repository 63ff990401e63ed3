package io.sluice.proxy.config;

import io.sluice.routing.classify.Consistency;
import io.sluice.routing.route.RoutingPolicy;

import java.time.Duration;
import java.util.Objects;

/**
 * The {@code routing} section.
 *
 * @param maxReplicaLag {@code routing.max_replica_lag}: an autocommit read goes to a replica only if its measured
 *                      lag is at most this; default {@link #DEFAULT_MAX_REPLICA_LAG} (1s)
 * @param fallback      {@code routing.fallback}: what a read does when no replica qualifies: {@code source}
 *                      (default) sends it to the source, {@code error} answers an error
 * @param consistency   {@code routing.consistency}: the read consistency sessions start with: {@code eventual},
 *                      {@code session} (default: read-your-writes and monotonic reads) or {@code global}
 * @param causalWait    {@code routing.causal_wait}: how long a consistent read waits for a replica to apply what it
 *                      must see before it falls back; default {@link #DEFAULT_CAUSAL_WAIT} (50ms)
 */
public record RoutingConfig(Duration maxReplicaLag, Fallback fallback, Consistency consistency, Duration causalWait) {
    public static final Duration DEFAULT_MAX_REPLICA_LAG = Duration.ofSeconds(1);
    public static final Fallback DEFAULT_FALLBACK = Fallback.SOURCE;
    public static final Consistency DEFAULT_CONSISTENCY = Consistency.SESSION;
    public static final Duration DEFAULT_CAUSAL_WAIT = RoutingPolicy.DEFAULT_CAUSAL_WAIT;

    /** Values of {@code routing.fallback}. */
    public enum Fallback { SOURCE, ERROR }

    public RoutingConfig {
        Objects.requireNonNull(maxReplicaLag, "maxReplicaLag");
        Objects.requireNonNull(fallback, "fallback");
        Objects.requireNonNull(consistency, "consistency");
        Objects.requireNonNull(causalWait, "causalWait");
        if (maxReplicaLag.isNegative()) {
            throw new IllegalArgumentException("maxReplicaLag must not be negative");
        }
        if (causalWait.isNegative()) {
            throw new IllegalArgumentException("causalWait must not be negative");
        }
    }

    /** The lag budget and fallback, with the default consistency and causal wait. */
    public RoutingConfig(Duration maxReplicaLag, Fallback fallback) {
        this(maxReplicaLag, fallback, DEFAULT_CONSISTENCY, DEFAULT_CAUSAL_WAIT);
    }

    public static RoutingConfig defaults() {
        return new RoutingConfig(DEFAULT_MAX_REPLICA_LAG, DEFAULT_FALLBACK);
    }

    public RoutingConfig withConsistency(Consistency c) {
        return new RoutingConfig(maxReplicaLag, fallback, c, causalWait);
    }

    public RoutingConfig withCausalWait(Duration wait) {
        return new RoutingConfig(maxReplicaLag, fallback, consistency, wait);
    }
}
