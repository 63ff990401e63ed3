package io.sluice.proxy.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole configuration of one Sluice process, read once at start by {@link ConfigLoader#load} and handed to the parts that
 * need it. Each default below is the only place that default is stated; {@code conf/sluice.yaml} shows them all.
 *
 * @param listen               {@code listen}: where clients connect; default {@link #DEFAULT_LISTEN} (loopback only)
 * @param maxConnections       {@code max_connections}: client connections allowed at once; the next one is answered
 *                             ERR 1040 (Too many connections) and closed; default {@value #DEFAULT_MAX_CONNECTIONS}
 * @param handshakeTimeout     {@code handshake_timeout}: a client that has not finished the handshake and authentication by
 *                             then is closed; default {@link #DEFAULT_HANDSHAKE_TIMEOUT} (10s)
 * @param maxAllowedPacket     {@code max_allowed_packet}: the largest packet a logged-in client may send, as the server's
 *                             variable of that name; a larger one is answered ERR 1153 and the connection closed. From
 *                             {@link #MIN_MAX_ALLOWED_PACKET} to {@link #MAX_MAX_ALLOWED_PACKET}; default
 *                             {@link #DEFAULT_MAX_ALLOWED_PACKET} (64M, as MySQL 8 and MariaDB 10.6+)
 * @param users                {@code users}: accounts clients authenticate against; default none. At least one user is
 *                             needed unless {@code users_from_backend} is on
 * @param usersFromBackend     {@code users_from_backend}: also load accounts and password hashes from the source's
 *                             {@code mysql.user} with the monitor's credentials; default: on when the {@code monitor}
 *                             section is given ({@link #defaultUsersFromBackend}). On without a monitor section is an error
 * @param usersRefreshInterval {@code users_refresh_interval}: how often those accounts are read again; default
 *                             {@link #DEFAULT_USERS_REFRESH_INTERVAL} (10s)
 * @param backends             {@code backends}: required, at least one; names and addresses unique
 * @param monitor              {@code monitor}: optional for now
 * @param tls                  {@code tls}: optional; {@link TlsConfig#defaults()} when absent
 * @param routing              {@code routing}: optional; {@link RoutingConfig#defaults()} when absent
 * @param pool                 {@code pool}: optional; {@link PoolConfig#defaults()} when absent
 * @param admin                {@code admin}: optional; without it there is no admin listener
 * @param metrics              {@code metrics}: optional; {@link MetricsConfig#defaults()} when absent (listening on
 *                             127.0.0.1:9104)
 * @param shutdown             {@code shutdown}: optional; {@link ShutdownConfig#defaults()} when absent
 * @param proxyProtocolNetworks {@code proxy_protocol_networks}: the networks whose connections must start with a PROXY
 *                             protocol (v1 or v2) header, which then gives the client's address; default none (the
 *                             PROXY protocol is off). A connection from a listed network without a header is refused,
 *                             and so is a header from any other network
 * @param failover             {@code failover}: optional; {@link FailoverConfig#defaults()} when absent (mode auto)
 * @param ioThreads            {@code io_threads}: the event loops serving client and backend connections; 0 (the
 *                             default) is one per core the process may use, which under load beats more (each extra
 *                             loop per core only adds context switches)
 *
 * <p>The constructors that predate the {@code admin}, {@code metrics}, {@code shutdown} and
 * {@code proxy_protocol_networks} keys (used to embed Sluice, as the tests do) take no admin section, {@link
 * MetricsConfig#off()} and the other defaults: an embedded Sluice opens only its client port, never a fixed one.
 */
public record SluiceConfig(HostPort listen, int maxConnections, Duration handshakeTimeout, long maxAllowedPacket,
                           List<UserConfig> users,
                           boolean usersFromBackend, Duration usersRefreshInterval, List<BackendConfig> backends,
                           Optional<MonitorConfig> monitor, TlsConfig tls, RoutingConfig routing,
                           PoolConfig pool, Optional<AdminConfig> admin, MetricsConfig metrics, ShutdownConfig shutdown,
                           List<Cidr> proxyProtocolNetworks, FailoverConfig failover, int ioThreads) {
    /** Default for {@code listen}: loopback only, so that exposing the proxy is a decision. */
    public static final HostPort DEFAULT_LISTEN = new HostPort("127.0.0.1", 6033);
    /** Default for {@code max_connections}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /** Default for {@code handshake_timeout}. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** Default for {@code max_allowed_packet}. */
    public static final long DEFAULT_MAX_ALLOWED_PACKET = 64L << 20;
    /** Bounds of {@code max_allowed_packet}, the server's own (1K to 1G). */
    public static final long MIN_MAX_ALLOWED_PACKET = 1L << 10;
    public static final long MAX_MAX_ALLOWED_PACKET = 1L << 30;
    /** Bound of {@code io_threads}: far above any core count a proxy host has, far below a typo's. */
    public static final int MAX_IO_THREADS = 1024;
    /** Default for {@code users_refresh_interval}. */
    public static final Duration DEFAULT_USERS_REFRESH_INTERVAL = Duration.ofSeconds(10);

    public SluiceConfig {
        Objects.requireNonNull(listen, "listen");
        if (maxConnections <= 0) {
            throw new IllegalArgumentException("maxConnections must be > 0: " + maxConnections);
        }
        Durations.requirePositive(handshakeTimeout, "handshakeTimeout");
        if (maxAllowedPacket < MIN_MAX_ALLOWED_PACKET || maxAllowedPacket > MAX_MAX_ALLOWED_PACKET) {
            throw new IllegalArgumentException("maxAllowedPacket must be from " + MIN_MAX_ALLOWED_PACKET + " to "
                    + MAX_MAX_ALLOWED_PACKET + ": " + maxAllowedPacket);
        }
        users = List.copyOf(users);
        Durations.requirePositive(usersRefreshInterval, "usersRefreshInterval");
        backends = List.copyOf(backends);
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("at least one backend is required");
        }
        Objects.requireNonNull(monitor, "monitor");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(routing, "routing");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(shutdown, "shutdown");
        proxyProtocolNetworks = List.copyOf(proxyProtocolNetworks);
        Objects.requireNonNull(failover, "failover");
        if (ioThreads < 0 || ioThreads > MAX_IO_THREADS) {
            throw new IllegalArgumentException("ioThreads must be from 0 to " + MAX_IO_THREADS + ": " + ioThreads);
        }
        if (usersFromBackend && monitor.isEmpty()) {
            throw new IllegalArgumentException("usersFromBackend needs monitor credentials");
        }
    }

    /** With {@code io_threads} at its default (one per core). */
    public SluiceConfig(HostPort listen, int maxConnections, Duration handshakeTimeout, long maxAllowedPacket,
                        List<UserConfig> users, boolean usersFromBackend, Duration usersRefreshInterval,
                        List<BackendConfig> backends, Optional<MonitorConfig> monitor, TlsConfig tls,
                        RoutingConfig routing, PoolConfig pool, Optional<AdminConfig> admin, MetricsConfig metrics,
                        ShutdownConfig shutdown, List<Cidr> proxyProtocolNetworks, FailoverConfig failover) {
        this(listen, maxConnections, handshakeTimeout, maxAllowedPacket, users, usersFromBackend, usersRefreshInterval,
                backends, monitor, tls, routing, pool, admin, metrics, shutdown, proxyProtocolNetworks, failover, 0);
    }

    /** With the failover section at its defaults. */
    public SluiceConfig(HostPort listen, int maxConnections, Duration handshakeTimeout, long maxAllowedPacket,
                        List<UserConfig> users, boolean usersFromBackend, Duration usersRefreshInterval,
                        List<BackendConfig> backends, Optional<MonitorConfig> monitor, TlsConfig tls,
                        RoutingConfig routing, PoolConfig pool, Optional<AdminConfig> admin, MetricsConfig metrics,
                        ShutdownConfig shutdown, List<Cidr> proxyProtocolNetworks) {
        this(listen, maxConnections, handshakeTimeout, maxAllowedPacket, users, usersFromBackend, usersRefreshInterval,
                backends, monitor, tls, routing, pool, admin, metrics, shutdown, proxyProtocolNetworks,
                FailoverConfig.defaults());
    }

    /** Without the operator's sections: no admin listener, no metrics listener, default shutdown, no PROXY protocol. */
    public SluiceConfig(HostPort listen, int maxConnections, Duration handshakeTimeout, long maxAllowedPacket,
                        List<UserConfig> users, boolean usersFromBackend, Duration usersRefreshInterval,
                        List<BackendConfig> backends, Optional<MonitorConfig> monitor, TlsConfig tls,
                        RoutingConfig routing, PoolConfig pool) {
        this(listen, maxConnections, handshakeTimeout, maxAllowedPacket, users, usersFromBackend, usersRefreshInterval,
                backends, monitor, tls, routing, pool, Optional.empty(), MetricsConfig.off(), ShutdownConfig.defaults(),
                List.of());
    }

    /** With {@code max_allowed_packet} at its default. */
    public SluiceConfig(HostPort listen, int maxConnections, Duration handshakeTimeout, List<UserConfig> users,
                        boolean usersFromBackend, Duration usersRefreshInterval, List<BackendConfig> backends,
                        Optional<MonitorConfig> monitor, TlsConfig tls) {
        this(listen, maxConnections, handshakeTimeout, DEFAULT_MAX_ALLOWED_PACKET, users, usersFromBackend,
                usersRefreshInterval, backends, monitor, tls, RoutingConfig.defaults(), PoolConfig.defaults());
    }

    /** With the pool section at its defaults. */
    public SluiceConfig(HostPort listen, int maxConnections, Duration handshakeTimeout, long maxAllowedPacket,
                        List<UserConfig> users, boolean usersFromBackend, Duration usersRefreshInterval,
                        List<BackendConfig> backends, Optional<MonitorConfig> monitor, TlsConfig tls,
                        RoutingConfig routing) {
        this(listen, maxConnections, handshakeTimeout, maxAllowedPacket, users, usersFromBackend,
                usersRefreshInterval, backends, monitor, tls, routing, PoolConfig.defaults());
    }

    /** With the routing section at its defaults. */
    public SluiceConfig(HostPort listen, int maxConnections, Duration handshakeTimeout, long maxAllowedPacket,
                        List<UserConfig> users, boolean usersFromBackend, Duration usersRefreshInterval,
                        List<BackendConfig> backends, Optional<MonitorConfig> monitor, TlsConfig tls) {
        this(listen, maxConnections, handshakeTimeout, maxAllowedPacket, users, usersFromBackend,
                usersRefreshInterval, backends, monitor, tls, RoutingConfig.defaults(), PoolConfig.defaults());
    }

    /** The same configuration with another routing section. */
    public SluiceConfig withRouting(RoutingConfig r) {
        return new SluiceConfig(listen, maxConnections, handshakeTimeout, maxAllowedPacket, users, usersFromBackend,
                usersRefreshInterval, backends, monitor, tls, r, pool, admin, metrics, shutdown, proxyProtocolNetworks, failover,
                ioThreads);
    }

    /** The same configuration with another tls section. */
    public SluiceConfig withTls(TlsConfig t) {
        return new SluiceConfig(listen, maxConnections, handshakeTimeout, maxAllowedPacket, users, usersFromBackend,
                usersRefreshInterval, backends, monitor, t, routing, pool, admin, metrics, shutdown, proxyProtocolNetworks,
                failover, ioThreads);
    }

    /** The same configuration with another pool section. */
    public SluiceConfig withPool(PoolConfig p) {
        return new SluiceConfig(listen, maxConnections, handshakeTimeout, maxAllowedPacket, users, usersFromBackend,
                usersRefreshInterval, backends, monitor, tls, routing, p, admin, metrics, shutdown, proxyProtocolNetworks, failover,
                ioThreads);
    }

    /** The same configuration with another {@code max_allowed_packet}. */
    public SluiceConfig withMaxAllowedPacket(long bytes) {
        return new SluiceConfig(listen, maxConnections, handshakeTimeout, bytes, users, usersFromBackend,
                usersRefreshInterval, backends, monitor, tls, routing, pool, admin, metrics, shutdown,
                proxyProtocolNetworks, failover, ioThreads);
    }

    /** The same configuration with an admin section. */
    public SluiceConfig withAdmin(AdminConfig a) {
        return new SluiceConfig(listen, maxConnections, handshakeTimeout, maxAllowedPacket, users, usersFromBackend,
                usersRefreshInterval, backends, monitor, tls, routing, pool, Optional.of(a), metrics, shutdown,
                proxyProtocolNetworks, failover, ioThreads);
    }

    /** The same configuration with another metrics section. */
    public SluiceConfig withMetrics(MetricsConfig m) {
        return new SluiceConfig(listen, maxConnections, handshakeTimeout, maxAllowedPacket, users, usersFromBackend,
                usersRefreshInterval, backends, monitor, tls, routing, pool, admin, m, shutdown, proxyProtocolNetworks, failover,
                ioThreads);
    }

    /** The same configuration with another shutdown section. */
    public SluiceConfig withShutdown(ShutdownConfig s) {
        return new SluiceConfig(listen, maxConnections, handshakeTimeout, maxAllowedPacket, users, usersFromBackend,
                usersRefreshInterval, backends, monitor, tls, routing, pool, admin, metrics, s, proxyProtocolNetworks, failover, ioThreads);
    }

    /** The same configuration with another {@code proxy_protocol_networks}. */
    public SluiceConfig withProxyProtocolNetworks(List<Cidr> networks) {
        return new SluiceConfig(listen, maxConnections, handshakeTimeout, maxAllowedPacket, users, usersFromBackend,
                usersRefreshInterval, backends, monitor, tls, routing, pool, admin, metrics, shutdown, networks, failover,
                ioThreads);
    }

    /** The same configuration with another {@code handshake_timeout}. */
    public SluiceConfig withHandshakeTimeout(Duration d) {
        return new SluiceConfig(listen, maxConnections, d, maxAllowedPacket, users, usersFromBackend,
                usersRefreshInterval, backends, monitor, tls, routing, pool, admin, metrics, shutdown,
                proxyProtocolNetworks, failover, ioThreads);
    }

    /** The same configuration with another failover section. */
    public SluiceConfig withFailover(FailoverConfig f) {
        return new SluiceConfig(listen, maxConnections, handshakeTimeout, maxAllowedPacket, users, usersFromBackend,
                usersRefreshInterval, backends, monitor, tls, routing, pool, admin, metrics, shutdown,
                proxyProtocolNetworks, f, ioThreads);
    }

    /** The same configuration with another {@code io_threads}. */
    public SluiceConfig withIoThreads(int n) {
        return new SluiceConfig(listen, maxConnections, handshakeTimeout, maxAllowedPacket, users, usersFromBackend,
                usersRefreshInterval, backends, monitor, tls, routing, pool, admin, metrics, shutdown,
                proxyProtocolNetworks, failover, n);
    }

    /** Default for {@code users_from_backend}: on exactly when monitor credentials are configured. */
    public static boolean defaultUsersFromBackend(Optional<MonitorConfig> monitor) {
        return monitor.isPresent();
    }
}
