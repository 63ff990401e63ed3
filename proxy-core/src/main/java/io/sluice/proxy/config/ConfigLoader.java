package io.sluice.proxy.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.sluice.routing.classify.Consistency;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads {@code sluice.yaml} into a {@link SluiceConfig}; see {@code conf/sluice.yaml} for every key with its default.
 *
 * <p>The file is parsed by Jackson into a tree and mapped by hand, key by key, rather than databound: that is what lets every
 * problem be reported at once with its key path ({@code backends[1].adress: unknown key (did you mean 'address'?)}), and keeps
 * YAML's coercions (a quoted number, {@code yes} read as a boolean, {@code 0123} as octal) from slipping through. The keys each
 * section accepts are declared once, as the {@link Section} constants below. A key repeated in one mapping is a syntax error.
 *
 * <p>Stateless; {@link #load} may be called from any thread (it does blocking file I/O, so not from an event loop).
 */
public final class ConfigLoader {
    private static final Section USER = Section.of("name", "password");
    private static final Section BACKEND = Section.of("name", "address", "weight", "candidate", "priority");
    private static final Section MONITOR = Section.of("user", "password", "interval");
    private static final Section ROUTING = Section.of("max_replica_lag", "fallback", "consistency", "causal_wait");
    private static final Section POOL = Section.of("max_per_backend", "acquire_timeout");
    private static final Section TLS = Section.of("cert", "key", "backend", "backend_ca", "backend_verify_hostname");
    private static final Section ADMIN = Section.of("listen", "user", "password");
    private static final Section METRICS = Section.of("enabled", "listen");
    private static final Section SHUTDOWN = Section.of("drain_timeout");
    private static final Section FAILOVER = Section.of("mode", "failcount", "min_interval", "catchup_timeout",
            "write_hold", "rejoin", "replication_user", "replication_password", "lost_write");
    private static final Section ROOT = Section.of("listen", "max_connections", "handshake_timeout", "max_allowed_packet",
                    "io_threads")
            .listOf("users", USER)
            .scalars("users_from_backend", "users_refresh_interval")
            .listOf("backends", BACKEND)
            .mapping("monitor", MONITOR)
            .mapping("tls", TLS)
            .mapping("routing", ROUTING)
            .mapping("pool", POOL)
            .mapping("admin", ADMIN)
            .mapping("metrics", METRICS)
            .mapping("shutdown", SHUTDOWN)
            .mapping("failover", FAILOVER)
            .scalars("proxy_protocol_networks");

    private ConfigLoader() {
    }

    /**
     * Every key path the loader accepts, parents before children, list elements written {@code backends[].address}.
     * The sample configuration is checked against it.
     */
    public static Set<String> knownKeys() {
        return ROOT.keyPaths("");
    }

    /**
     * Reads and validates a configuration file.
     *
     * @throws ConfigException listing every problem found, one {@code <file>: <key path>: <problem>} line each
     */
    public static SluiceConfig load(Path file) throws ConfigException {
        Problems problems = new Problems(file);
        JsonNode tree = parse(file, problems);
        problems.throwIfAny();
        Path baseDir = Optional.ofNullable(file.toAbsolutePath().getParent()).orElse(Path.of("/"));
        Optional<Mapping> root = Mapping.root(problems, tree, ROOT, baseDir);
        if (root.isEmpty()) {
            problems.throwIfAny();
        }
        SluiceConfig config = read(root.orElseThrow(), problems);
        problems.throwIfAny();
        return config;
    }

    private static JsonNode parse(Path file, Problems problems) {
        YAMLMapper yaml = YAMLMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
        try {
            return yaml.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "(file)" : "line " + at.getLineNr() + ", column " + at.getColumnNr();
            problems.add(where, "not valid YAML: " + oneLine(e.getOriginalMessage()));
        } catch (NoSuchFileException e) {
            problems.add("(file)", "no such file");
        } catch (AccessDeniedException e) {
            problems.add("(file)", "cannot read: permission denied");
        } catch (IOException e) {
            problems.add("(file)", "cannot read: " + e);
        }
        return null;
    }

    /**
     * SnakeYAML's messages quote the offending line with a caret under it, over several lines; keep only its sentences
     * (the unindented lines) so that each error stays on one line. The position is already in the key column.
     */
    private static String oneLine(String message) {
        String sentences = message.lines().filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                .map(String::strip).collect(Collectors.joining("; "));
        return sentences.isEmpty() ? message.strip().replace('\n', ' ') : sentences;
    }

    /** Returns null when a required part is missing or invalid; {@code problems} then says why. */
    private static SluiceConfig read(Mapping root, Problems problems) {
        HostPort listen = root.address("listen", SluiceConfig.DEFAULT_LISTEN);
        int maxConnections = root.integer("max_connections", SluiceConfig.DEFAULT_MAX_CONNECTIONS, 1);
        int ioThreads = root.integer("io_threads", 0, 0);
        if (ioThreads > SluiceConfig.MAX_IO_THREADS) {
            root.error("io_threads", "must be at most " + SluiceConfig.MAX_IO_THREADS + " (0: one per core)");
        }
        var handshakeTimeout = root.duration("handshake_timeout", SluiceConfig.DEFAULT_HANDSHAKE_TIMEOUT);
        long maxAllowedPacket = root.size("max_allowed_packet", SluiceConfig.DEFAULT_MAX_ALLOWED_PACKET,
                SluiceConfig.MIN_MAX_ALLOWED_PACKET, SluiceConfig.MAX_MAX_ALLOWED_PACKET);
        List<UserConfig> users = readUsers(root);
        Optional<MonitorConfig> monitor = root.mapping("monitor", MONITOR).flatMap(ConfigLoader::readMonitor);
        // The default follows whether a monitor section was written, not whether it was valid: a typo in it must not turn
        // into a second, misleading error about users.
        Optional<Boolean> explicitUsersFromBackend = root.bool("users_from_backend");
        boolean usersFromBackend = explicitUsersFromBackend.orElse(root.has("monitor"));
        if (explicitUsersFromBackend.orElse(false) && !root.has("monitor")) {
            root.error("users_from_backend", "needs the monitor section (monitor.user, monitor.password): its credentials "
                    + "are the ones used to read mysql.user");
        }
        var usersRefreshInterval = root.duration("users_refresh_interval", SluiceConfig.DEFAULT_USERS_REFRESH_INTERVAL);
        if (!usersFromBackend && (!root.has("users") || root.isEmptyList("users"))) {
            root.error("users", "no accounts for clients to log in with: list some here, or give monitor credentials and "
                    + "users_from_backend: true to load them from the source's mysql.user");
        }
        List<BackendConfig> backends = readBackends(root);
        TlsConfig tls = root.mapping("tls", TLS).map(ConfigLoader::readTls).orElse(TlsConfig.defaults());
        RoutingConfig routing = root.mapping("routing", ROUTING).map(ConfigLoader::readRouting)
                .orElse(RoutingConfig.defaults());
        PoolConfig pool = root.mapping("pool", POOL).map(m -> new PoolConfig(
                m.integer("max_per_backend", PoolConfig.DEFAULT_MAX_PER_BACKEND, 1),
                m.duration("acquire_timeout", PoolConfig.DEFAULT_ACQUIRE_TIMEOUT))).orElse(PoolConfig.defaults());
        Optional<AdminConfig> admin = root.mapping("admin", ADMIN).flatMap(ConfigLoader::readAdmin);
        MetricsConfig metrics = root.mapping("metrics", METRICS).map(m -> new MetricsConfig(
                m.bool("enabled", MetricsConfig.DEFAULT_ENABLED),
                m.address("listen", MetricsConfig.DEFAULT_LISTEN))).orElse(MetricsConfig.defaults());
        checkDistinctListeners(root, listen, admin, metrics);
        ShutdownConfig shutdown = root.mapping("shutdown", SHUTDOWN).map(m -> new ShutdownConfig(
                m.duration("drain_timeout", ShutdownConfig.DEFAULT_DRAIN_TIMEOUT))).orElse(ShutdownConfig.defaults());
        List<Cidr> proxyNetworks = root.stringList("proxy_protocol_networks", Cidr::parse);
        FailoverConfig failover = root.mapping("failover", FAILOVER).map(ConfigLoader::readFailover)
                .orElse(FailoverConfig.defaults());
        if (!problems.isEmpty()) {
            return null;
        }
        return new SluiceConfig(listen, maxConnections, handshakeTimeout, maxAllowedPacket, users, usersFromBackend,
                usersRefreshInterval, backends, monitor, tls, routing, pool, admin, metrics, shutdown, proxyNetworks,
                failover, ioThreads);
    }

    private static Optional<AdminConfig> readAdmin(Mapping m) {
        HostPort listen = m.address("listen", AdminConfig.DEFAULT_LISTEN);
        String user = m.string("user", AdminConfig.DEFAULT_USER);
        if (user.isEmpty()) {
            m.error("user", "must not be empty");
        }
        Optional<String> password = Optional.empty();
        if (m.has("password")) {
            password = m.requiredString("password");
        } else {
            m.error("password", "required key is missing: the admin interface has no default password; set one, or"
                    + " remove the admin section to run without it");
        }
        return password.filter(p -> !user.isEmpty()).map(p -> new AdminConfig(listen, user, p));
    }

    /** Two listeners on one address would fail at start with a bind error; say which keys clash instead. */
    private static void checkDistinctListeners(Mapping root, HostPort listen, Optional<AdminConfig> admin,
                                               MetricsConfig metrics) {
        if (admin.isPresent() && admin.get().listen().port() != 0 && admin.get().listen().sameAs(listen)) {
            root.error("admin.listen", "the same address as listen (" + listen + "); give the admin interface its own port");
        }
        if (metrics.enabled() && metrics.listen().port() != 0) {
            if (metrics.listen().sameAs(listen)) {
                root.error("metrics.listen", "the same address as listen (" + listen + ")");
            } else if (admin.isPresent() && metrics.listen().sameAs(admin.get().listen())) {
                root.error("metrics.listen", "the same address as admin.listen (" + admin.get().listen() + ")");
            }
        }
    }


    private static List<UserConfig> readUsers(Mapping root) {
        List<UserConfig> users = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (Mapping m : root.listOf("users", USER).orElse(List.of())) {
            Optional<String> name = m.requiredString("name");
            String password = m.string("password", UserConfig.DEFAULT_PASSWORD);
            if (name.isEmpty()) {
                continue;
            }
            if (name.get().length() > UserConfig.MAX_NAME_LENGTH) {
                m.error("name", "longer than " + UserConfig.MAX_NAME_LENGTH + " characters, MySQL's limit for user names");
                continue;
            }
            String first = seen.putIfAbsent(name.get(), m.path());
            if (first != null) {
                m.error("name", "duplicate user '" + name.get() + "' (also " + first + ")");
                continue;
            }
            users.add(new UserConfig(name.get(), password));
        }
        return users;
    }

    private static List<BackendConfig> readBackends(Mapping root) {
        Optional<List<Mapping>> list = root.listOf("backends", BACKEND);
        if (list.isEmpty()) {
            root.error("backends", "required key is missing; list at least one server, e.g. '- address: 127.0.0.1:3306'");
            return List.of();
        }
        if (root.isEmptyList("backends")) {
            root.error("backends", "needs at least one server, e.g. '- address: 127.0.0.1:3306'");
        }
        List<BackendConfig> backends = new ArrayList<>();
        Map<String, String> names = new HashMap<>();
        List<Map.Entry<HostPort, String>> addresses = new ArrayList<>();
        for (Mapping m : list.get()) {
            Optional<HostPort> address = m.requiredAddress("address");
            Optional<String> explicitName = m.has("name") ? m.requiredString("name") : Optional.empty();
            int weight = m.integer("weight", BackendConfig.DEFAULT_WEIGHT, 1);
            boolean candidate = m.bool("candidate", BackendConfig.DEFAULT_CANDIDATE);
            int priority = m.integer("priority", BackendConfig.DEFAULT_PRIORITY, 0);
            if (address.isEmpty() || (m.has("name") && explicitName.isEmpty())) {
                continue;
            }
            boolean duplicate = false;
            for (Map.Entry<HostPort, String> other : addresses) {
                if (other.getKey().sameAs(address.get())) {
                    m.error("address", "duplicate backend address " + address.get() + " (also " + other.getValue() + ")");
                    duplicate = true;
                }
            }
            addresses.add(Map.entry(address.get(), m.path()));
            String name = explicitName.orElse(BackendConfig.defaultName(address.get()));
            String first = names.putIfAbsent(name, m.path());
            if (first != null) {
                m.error("name", "duplicate backend name '" + name + "' (also " + first + ")");
                duplicate = true;
            }
            if (!duplicate) {
                backends.add(new BackendConfig(name, address.get(), weight, candidate, priority));
            }
        }
        return backends;
    }

    private static Optional<MonitorConfig> readMonitor(Mapping m) {
        Optional<String> user = m.requiredString("user");
        String password = m.string("password", MonitorConfig.DEFAULT_PASSWORD);
        var interval = m.duration("interval", MonitorConfig.DEFAULT_INTERVAL);
        return user.map(u -> new MonitorConfig(u, password, interval));
    }

    private static FailoverConfig readFailover(Mapping m) {
        String text = m.string("mode", FailoverConfig.DEFAULT_MODE.text());
        FailoverConfig.Mode mode = FailoverConfig.Mode.parse(text).orElse(null);
        if (mode == null) {
            m.error("mode", "must be auto, follow or off");
            mode = FailoverConfig.DEFAULT_MODE;
        }
        return new FailoverConfig(mode, m.integer("failcount", FailoverConfig.DEFAULT_FAILCOUNT, 1),
                m.duration("min_interval", FailoverConfig.DEFAULT_MIN_INTERVAL),
                m.duration("catchup_timeout", FailoverConfig.DEFAULT_CATCHUP_TIMEOUT),
                m.duration("write_hold", FailoverConfig.DEFAULT_WRITE_HOLD),
                m.bool("rejoin", FailoverConfig.DEFAULT_REJOIN),
                m.string("replication_user", ""),
                m.string("replication_password", ""),
                lostWrite(m));
    }

    private static boolean lostWrite(Mapping m) {
        String v = m.string("lost_write", FailoverConfig.DEFAULT_LOST_WRITE_ERROR ? "error" : "ignore");
        switch (v) {
            case "error" -> {
                return true;
            }
            case "ignore" -> {
                return false;
            }
            default -> {
                m.error("lost_write", "must be error or ignore");
                return FailoverConfig.DEFAULT_LOST_WRITE_ERROR;
            }
        }
    }

    private static RoutingConfig readRouting(Mapping m) {
        var maxLag = m.duration("max_replica_lag", RoutingConfig.DEFAULT_MAX_REPLICA_LAG);
        String fallback = m.string("fallback", RoutingConfig.DEFAULT_FALLBACK.name().toLowerCase(java.util.Locale.ROOT));
        RoutingConfig.Fallback f = RoutingConfig.DEFAULT_FALLBACK;
        switch (fallback) {
            case "source" -> f = RoutingConfig.Fallback.SOURCE;
            case "error" -> f = RoutingConfig.Fallback.ERROR;
            default -> m.error("fallback", "must be source or error");
        }
        String level = m.string("consistency", RoutingConfig.DEFAULT_CONSISTENCY.text());
        Consistency consistency = Consistency.parse(level).orElse(null);
        if (consistency == null) {
            m.error("consistency", "must be eventual, session or global");
            consistency = RoutingConfig.DEFAULT_CONSISTENCY;
        }
        var causalWait = m.durationOrZero("causal_wait", RoutingConfig.DEFAULT_CAUSAL_WAIT);
        return new RoutingConfig(maxLag, f, consistency, causalWait);
    }

    private static TlsConfig readTls(Mapping m) {
        Optional<Path> cert = m.readableFile("cert");
        Optional<Path> key = m.readableFile("key");
        if (m.has("cert") && !m.has("key")) {
            m.error("key", "required when tls.cert is set: the private key of that certificate");
        }
        if (m.has("key") && !m.has("cert")) {
            m.error("cert", "required when tls.key is set: the certificate of that private key");
        }
        boolean backend = m.bool("backend", TlsConfig.DEFAULT_BACKEND);
        Optional<Path> backendCa = m.readableFile("backend_ca");
        boolean verifyHostname = m.bool("backend_verify_hostname", TlsConfig.DEFAULT_BACKEND_VERIFY_HOSTNAME);
        for (String backendOnly : List.of("backend_ca", "backend_verify_hostname")) {
            if (!backend && m.has(backendOnly)) {
                m.error(backendOnly, "has no effect without backend: true");
            }
        }
        Optional<TlsConfig.CertificateFiles> files = cert.isPresent() && key.isPresent()
                ? Optional.of(new TlsConfig.CertificateFiles(cert.get(), key.get())) : Optional.empty();
        return new TlsConfig(files, backend, backendCa, verifyHostname);
    }
}
