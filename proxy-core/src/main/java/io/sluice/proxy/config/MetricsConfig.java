package io.sluice.proxy.config;

import java.util.Objects;

/**
 * The {@code metrics} section: the HTTP listener serving Prometheus metrics at {@code /metrics} and the load balancers'
 * health check at {@code /health}.
 *
 * @param enabled {@code metrics.enabled}: whether the listener runs; default {@value #DEFAULT_ENABLED}. The meters
 *                themselves always exist (the admin interface reads them)
 * @param listen  {@code metrics.listen}: default {@link #DEFAULT_LISTEN}, loopback only
 */
public record MetricsConfig(boolean enabled, HostPort listen) {
    public static final boolean DEFAULT_ENABLED = true;
    /** Default for {@code metrics.listen}. */
    public static final HostPort DEFAULT_LISTEN = new HostPort("127.0.0.1", 9104);

    public MetricsConfig {
        Objects.requireNonNull(listen, "listen");
    }

    /** The section's defaults, as a file without it gets. */
    public static MetricsConfig defaults() {
        return new MetricsConfig(DEFAULT_ENABLED, DEFAULT_LISTEN);
    }

    /** No HTTP listener (an embedded Sluice, as tests start it, opens only the ports it is asked to). */
    public static MetricsConfig off() {
        return new MetricsConfig(false, DEFAULT_LISTEN);
    }
}
