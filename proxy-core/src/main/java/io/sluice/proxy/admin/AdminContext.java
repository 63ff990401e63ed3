package io.sluice.proxy.admin;

import io.sluice.proxy.config.SluiceConfig;
import io.sluice.proxy.metrics.SluiceMetrics;
import io.sluice.proxy.server.ConnectionRegistry;
import io.sluice.proxy.session.LinkPools;
import io.sluice.proxy.session.Routes;
import io.sluice.routing.topology.TopologySnapshot;

import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the admin interface reads and acts on, handed over by {@code Sluice} at start. Every part is thread-safe.
 *
 * @param config        the effective configuration
 * @param sluiceVersion Sluice's own version
 * @param serverVersion the backends' version string, also the admin greeting's
 * @param monitor       the monitor's own snapshots (before operator overrides); {@code null} without a monitor
 * @param overrides     backends the operator took offline
 * @param routes        in-flight counts per server
 * @param pools         backend connections per server
 * @param registry      the client sessions
 * @param metrics       routing counts and backend errors
 * @param gtidExecuted  a server's executed GTID set as text, or empty while GTID tracking does not know it
 */
public record AdminContext(SluiceConfig config, String sluiceVersion, String serverVersion,
                           Supplier<TopologySnapshot> monitor, BackendOverrides overrides, Routes routes,
                           LinkPools pools, ConnectionRegistry registry, SluiceMetrics metrics,
                           Function<String, String> gtidExecuted) {
    public AdminContext {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(sluiceVersion, "sluiceVersion");
        Objects.requireNonNull(serverVersion, "serverVersion");
        Objects.requireNonNull(overrides, "overrides");
        Objects.requireNonNull(routes, "routes");
        Objects.requireNonNull(pools, "pools");
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(gtidExecuted, "gtidExecuted");
    }
}
