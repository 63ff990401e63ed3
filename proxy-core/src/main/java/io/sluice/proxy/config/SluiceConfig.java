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
 */
public record SluiceConfig(HostPort listen, int maxConnections, Duration handshakeTimeout, long maxAllowedPacket,
                           List<UserConfig> users,
                           boolean usersFromBackend, Duration usersRefreshInterval, List<BackendConfig> backends,
                           Optional<MonitorConfig> monitor, TlsConfig tls, RoutingConfig routing,
                           PoolConfig pool) {
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
        if (usersFromBackend && monitor.isEmpty()) {
            throw new IllegalArgumentException("usersFromBackend needs monitor credentials");
        }
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
                usersRefreshInterval, backends, monitor, tls, r, pool);
    }

    /** The same configuration with another pool section. */
    public SluiceConfig withPool(PoolConfig p) {
        return new SluiceConfig(listen, maxConnections, handshakeTimeout, maxAllowedPacket, users, usersFromBackend,
                usersRefreshInterval, backends, monitor, tls, routing, p);
    }

    /** The same configuration with another {@code max_allowed_packet}. */
    public SluiceConfig withMaxAllowedPacket(long bytes) {
        return new SluiceConfig(listen, maxConnections, handshakeTimeout, bytes, users, usersFromBackend,
                usersRefreshInterval, backends, monitor, tls, routing, pool);
    }

    /** Default for {@code users_from_backend}: on exactly when monitor credentials are configured. */
    public static boolean defaultUsersFromBackend(Optional<MonitorConfig> monitor) {
        return monitor.isPresent();
    }
}
