package io.sluice.proxy.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The {@code routing} section.
 *
 * @param maxReplicaLag {@code routing.max_replica_lag}: an autocommit read goes to a replica only if its measured
 *                      lag is at most this; default {@link #DEFAULT_MAX_REPLICA_LAG} (1s)
 * @param fallback      {@code routing.fallback}: what a read does when no replica qualifies: {@code source}
 *                      (default) sends it to the source, {@code error} answers an error
 */
public record RoutingConfig(Duration maxReplicaLag, Fallback fallback) {
    public static final Duration DEFAULT_MAX_REPLICA_LAG = Duration.ofSeconds(1);
    public static final Fallback DEFAULT_FALLBACK = Fallback.SOURCE;

    /** Values of {@code routing.fallback}. */
    public enum Fallback { SOURCE, ERROR }

    public RoutingConfig {
        Objects.requireNonNull(maxReplicaLag, "maxReplicaLag");
        Objects.requireNonNull(fallback, "fallback");
        if (maxReplicaLag.isNegative()) {
            throw new IllegalArgumentException("maxReplicaLag must not be negative");
        }
    }

    public static RoutingConfig defaults() {
        return new RoutingConfig(DEFAULT_MAX_REPLICA_LAG, DEFAULT_FALLBACK);
    }
}
