package io.sluice.proxy.it;

import io.sluice.proxy.Sluice;
import io.sluice.proxy.config.AdminConfig;
import io.sluice.proxy.config.BackendConfig;
import io.sluice.proxy.config.HostPort;
import io.sluice.proxy.config.MetricsConfig;
import io.sluice.proxy.config.MonitorConfig;
import io.sluice.proxy.config.PoolConfig;
import io.sluice.proxy.config.RoutingConfig;
import io.sluice.proxy.config.SluiceConfig;
import io.sluice.proxy.config.TlsConfig;
import io.sluice.proxy.config.UserConfig;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxServer;
import io.sluice.proxy.session.StatementInspector;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Sluice started in-process, on an ephemeral loopback port, in front of a sandbox cluster. Configured with one
 * static account ({@code static_user}) and the source's accounts loaded with the monitor credentials.
 */
public final class SluiceFixture implements AutoCloseable {
    public static final String STATIC_USER = "static_user";
    public static final String STATIC_PASSWORD = "static-pw";
    /** The admin account of {@link #withOperatorPorts}. */
    public static final String ADMIN_USER = "sluice_admin";
    public static final String ADMIN_PASSWORD = "admin-pw";

    /**
     * The fixture's failover: off, so that tests which kill or stall a server see what they did, not a promotion
     * (FailoverTest configures its own).
     */
    public static final io.sluice.proxy.config.FailoverConfig NO_FAILOVER =
            io.sluice.proxy.config.FailoverConfig.defaults().withMode(io.sluice.proxy.config.FailoverConfig.Mode.OFF);

    private final Sluice sluice;

    private SluiceFixture(Sluice sluice) {
        this.sluice = sluice;
    }

    public static SluiceFixture start(SandboxCluster cluster) {
        return start(cluster, SluiceConfig.DEFAULT_MAX_CONNECTIONS, SluiceConfig.DEFAULT_HANDSHAKE_TIMEOUT);
    }

    public static SluiceFixture start(SandboxCluster cluster, int maxConnections, Duration handshakeTimeout) {
        return start(cluster, maxConnections, handshakeTimeout, SluiceConfig.DEFAULT_MAX_ALLOWED_PACKET);
    }

    public static SluiceFixture start(SandboxCluster cluster, int maxConnections, Duration handshakeTimeout,
                                      long maxAllowedPacket) {
        SandboxServer source = cluster.source();
        return start(source.name(), new HostPort(source.host(), source.port()), maxConnections, handshakeTimeout,
                maxAllowedPacket);
    }

    /**
     * Sluice in front of the cluster's source reached at {@code address} instead of its own port: through a relay
     * that misbehaves on purpose ({@link FaultyRelay}).
     */
    public static SluiceFixture startVia(SandboxCluster cluster, HostPort address) {
        return start(cluster.source().name(), address, SluiceConfig.DEFAULT_MAX_CONNECTIONS,
                SluiceConfig.DEFAULT_HANDSHAKE_TIMEOUT, SluiceConfig.DEFAULT_MAX_ALLOWED_PACKET);
    }

    private static SluiceFixture start(String sourceName, HostPort sourceAddress, int maxConnections,
                                       Duration handshakeTimeout, long maxAllowedPacket) {
        List<BackendConfig> backends = new ArrayList<>();
        backends.add(new BackendConfig(sourceName, sourceAddress, 1));
        MonitorConfig monitor = new MonitorConfig(SandboxAccounts.MONITOR.user(), SandboxAccounts.MONITOR.password(),
                MonitorConfig.DEFAULT_INTERVAL);
        SluiceConfig config = new SluiceConfig(new HostPort("127.0.0.1", 0), maxConnections, handshakeTimeout,
                maxAllowedPacket, List.of(new UserConfig(STATIC_USER, STATIC_PASSWORD)), true, Duration.ofSeconds(1), backends,
                Optional.of(monitor), TlsConfig.defaults()).withFailover(NO_FAILOVER);
        try {
            return new SluiceFixture(Sluice.start(config, inspector()));
        } catch (Sluice.StartupException e) {
            throw new IllegalStateException("Sluice did not start: " + e.getMessage(), e);
        }
    }

    /**
     * Sluice in front of every server of the cluster (source and replicas, roles discovered by the monitor, which
     * checks every 200 ms), with this routing section.
     */
    public static SluiceFixture splitting(SandboxCluster cluster, RoutingConfig routing) {
        return splitting(cluster, routing, PoolConfig.defaults());
    }

    /** The same, with this pool section. */
    public static SluiceFixture splitting(SandboxCluster cluster, RoutingConfig routing, PoolConfig pool) {
        return start(splittingConfig(cluster, routing, pool));
    }

    /**
     * The configuration {@link #splitting} starts Sluice with, to add sections to: e.g. {@link #withOperatorPorts}.
     */
    public static SluiceConfig splittingConfig(SandboxCluster cluster, RoutingConfig routing, PoolConfig pool) {
        List<BackendConfig> backends = new ArrayList<>();
        for (SandboxServer s : cluster.servers()) {
            backends.add(new BackendConfig(s.name(), new HostPort(s.host(), s.port()), 1));
        }
        MonitorConfig monitor = new MonitorConfig(SandboxAccounts.MONITOR.user(), SandboxAccounts.MONITOR.password(),
                Duration.ofMillis(200));
        SluiceConfig config = new SluiceConfig(new HostPort("127.0.0.1", 0), SluiceConfig.DEFAULT_MAX_CONNECTIONS,
                SluiceConfig.DEFAULT_HANDSHAKE_TIMEOUT, SluiceConfig.DEFAULT_MAX_ALLOWED_PACKET,
                List.of(new UserConfig(STATIC_USER, STATIC_PASSWORD)), true, Duration.ofSeconds(1), backends,
                Optional.of(monitor), TlsConfig.defaults(), routing, pool).withFailover(NO_FAILOVER);
        return config;
    }

    /** The admin interface ({@link #ADMIN_USER}) and the metrics listener, both on ephemeral loopback ports. */
    public static SluiceConfig withOperatorPorts(SluiceConfig config) {
        return config.withAdmin(new AdminConfig(new HostPort("127.0.0.1", 0), ADMIN_USER, ADMIN_PASSWORD))
                .withMetrics(new MetricsConfig(true, new HostPort("127.0.0.1", 0)));
    }

    /** Sluice with this configuration, the sessions' view of the GTID tracker passed through {@code gtidView}. */
    public static SluiceFixture start(SluiceConfig config,
                                      java.util.function.UnaryOperator<io.sluice.proxy.gtid.GtidTracking> gtidView) {
        try {
            return new SluiceFixture(Sluice.start(config, inspector(), gtidView));
        } catch (Sluice.StartupException e) {
            throw new IllegalStateException("Sluice did not start: " + e.getMessage(), e);
        }
    }

    /** Sluice with this configuration. */
    public static SluiceFixture start(SluiceConfig config) {
        try {
            return new SluiceFixture(Sluice.start(config, inspector()));
        } catch (Sluice.StartupException e) {
            throw new IllegalStateException("Sluice did not start: " + e.getMessage(), e);
        }
    }

    static StatementInspector inspector() {
        return io.sluice.proxy.MainAccess.inspector();
    }

    public Sluice sluice() {
        return sluice;
    }

    public int port() {
        return sluice.clientAddress().getPort();
    }

    /** The admin interface's port (needs {@link #withOperatorPorts}). */
    public int adminPort() {
        return sluice.adminAddress().getPort();
    }

    /** The metrics listener's port (needs {@link #withOperatorPorts}). */
    public int metricsPort() {
        return sluice.metricsAddress().getPort();
    }

    public String mariadbUrl(String user, String password) {
        return "jdbc:mariadb://127.0.0.1:" + port() + "/?user=" + user + "&password=" + password;
    }

    public String mysqlUrl(String user, String password, String extra) {
        return "jdbc:mysql://127.0.0.1:" + port() + "/?user=" + user + "&password=" + password
                + (extra == null || extra.isEmpty() ? "" : "&" + extra);
    }

    @Override
    public void close() {
        sluice.close();
    }
}
