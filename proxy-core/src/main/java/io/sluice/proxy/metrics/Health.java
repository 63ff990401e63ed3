package io.sluice.proxy.metrics;

import io.sluice.proxy.server.Lifecycle;
import io.sluice.routing.topology.ServerView;
import io.sluice.routing.topology.TopologySnapshot;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * The answer to a load balancer's health check: whether this Sluice can route both writes and reads now, with a
 * one-line reason either way. Not healthy while draining, or without a reachable, writable source; and, with
 * {@code routing.fallback: error}, without a replica inside the lag budget (reads would fail). Judged on the topology
 * the router sees, so a backend an operator took offline counts as gone.
 *
 * <p>Thread-safe; called from the HTTP listener's thread.
 */
public final class Health {
    /** A verdict and its reason, one line. */
    public record Status(boolean healthy, String reason) {
    }

    private final Lifecycle lifecycle;
    private final Supplier<TopologySnapshot> topology;
    private final long maxLagMillis;
    private final boolean readsFallBackToSource;
    private final String onlyBackend;

    /**
     * @param topology    the topology the router sees; {@code null} without a monitor (then every statement goes to
     *                    {@code onlyBackend}, whose health Sluice does not watch)
     */
    public Health(Lifecycle lifecycle, Supplier<TopologySnapshot> topology, long maxLagMillis,
                  boolean readsFallBackToSource, String onlyBackend) {
        this.lifecycle = lifecycle;
        this.topology = topology;
        this.maxLagMillis = maxLagMillis;
        this.readsFallBackToSource = readsFallBackToSource;
        this.onlyBackend = onlyBackend;
    }

    public Status check() {
        if (lifecycle.draining()) {
            return new Status(false, "draining: shutting down");
        }
        if (topology == null) {
            return new Status(true, "ok: no monitor configured, every statement goes to " + onlyBackend);
        }
        TopologySnapshot t = topology.get();
        Optional<ServerView> source = t.source();
        if (source.isEmpty()) {
            return new Status(false, "no writable source: " + t.servers().stream()
                    .map(v -> v.name() + " " + describe(v)).reduce((a, b) -> a + ", " + b).orElse("no backend checked yet"));
        }
        long replicas = t.servers().stream().filter(v -> v.readableWithin(maxLagMillis)).count();
        if (replicas == 0 && !readsFallBackToSource) {
            return new Status(false, "no replica within " + maxLagMillis + " ms of lag, and routing.fallback is error");
        }
        return new Status(true, "ok: source " + source.get().name() + ", " + replicas + " replica"
                + (replicas == 1 ? "" : "s") + " within " + maxLagMillis + " ms"
                + (replicas == 0 ? " (reads go to the source)" : ""));
    }

    private static String describe(ServerView v) {
        if (!v.reachable()) {
            return "unreachable";
        }
        return v.role().name().toLowerCase(java.util.Locale.ROOT);
    }
}
