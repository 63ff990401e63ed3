package io.sluice.proxy.config;

/**
 * The {@code shutdown} section: what SIGTERM does.
 *
 * @param drainTimeout {@code shutdown.drain_timeout}: after SIGTERM Sluice stops accepting connections and lets the
 *                     statements in flight finish for at most this long (new commands are answered ERR 1053, Server
 *                     shutdown in progress), then closes every connection; default {@link #DEFAULT_DRAIN_TIMEOUT} (10s)
 */
public record ShutdownConfig(java.time.Duration drainTimeout) {
    public static final java.time.Duration DEFAULT_DRAIN_TIMEOUT = java.time.Duration.ofSeconds(10);

    public ShutdownConfig {
        Durations.requirePositive(drainTimeout, "drainTimeout");
    }

    public static ShutdownConfig defaults() {
        return new ShutdownConfig(DEFAULT_DRAIN_TIMEOUT);
    }
}
