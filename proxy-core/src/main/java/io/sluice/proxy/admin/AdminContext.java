package io.sluice.proxy.admin;

import io.sluice.proxy.config.SluiceConfig;
import io.sluice.proxy.failover.Failover;
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
 * @param liveConfig    the effective configuration (it changes with a reload)
 * @param sluiceVersion Sluice's own version
 * @param serverVersion the backends' version string, also the admin greeting's
 * @param monitor       the monitor's own snapshots (before operator overrides); {@code null} without a monitor
 * @param overrides     backends the operator took offline
 * @param routes        in-flight counts per server
 * @param pools         backend connections per server
 * @param registry      the client sessions
 * @param metrics       routing counts and backend errors
 * @param gtidExecuted  a server's executed GTID set as text, or empty while GTID tracking does not know it
 * @param reloader      {@code RELOAD CONFIG}: reads the configuration file again and applies it, or explains why not
 * @param switchover    {@code SWITCHOVER TO <name>}: a planned switchover; completes with a summary or fails with why
 * @param failover      {@code FAILOVER [TO <name>]}: a failover forced by an operator (the name, or null to let
 *                      Sluice choose); completes with what it did or fails with a {@link Failover.Refused}
 */
public record AdminContext(Supplier<SluiceConfig> liveConfig, String sluiceVersion, String serverVersion,
                           Supplier<TopologySnapshot> monitor, BackendOverrides overrides, Routes routes,
                           LinkPools pools, ConnectionRegistry registry, SluiceMetrics metrics,
                           Function<String, String> gtidExecuted, Reloader reloader,
                           Function<String, java.util.concurrent.CompletableFuture<String>> switchover,
                           Function<String, java.util.concurrent.CompletableFuture<Failover.Outcome>> failover) {

    /** Reloads the configuration: returns what changed, or throws with the reason the running one stays. */
    @FunctionalInterface
    public interface Reloader {
        String reload() throws ReloadRefusedException;
    }

    /** A reload that was refused whole: the running configuration stays. */
    public static final class ReloadRefusedException extends Exception {
        public ReloadRefusedException(String message) {
            super(message);
        }
    }

    public AdminContext {
        Objects.requireNonNull(liveConfig, "liveConfig");
        Objects.requireNonNull(reloader, "reloader");
        Objects.requireNonNull(switchover, "switchover");
        Objects.requireNonNull(failover, "failover");
        Objects.requireNonNull(sluiceVersion, "sluiceVersion");
        Objects.requireNonNull(serverVersion, "serverVersion");
        Objects.requireNonNull(overrides, "overrides");
        Objects.requireNonNull(routes, "routes");
        Objects.requireNonNull(pools, "pools");
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(gtidExecuted, "gtidExecuted");
    }

    /** The configuration in effect now. */
    public SluiceConfig config() {
        return liveConfig.get();
    }
}
