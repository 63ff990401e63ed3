package io.sluice.proxy.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The effective configuration as {@code key: value} lines, keys written as in the file ({@code backends[0].address}),
 * every default filled in: what the admin interface's {@code SHOW CONFIG} prints. Passwords are never shown, only
 * whether one is set. An optional section that is absent shows as its key with the value {@code (none)}.
 */
public final class ConfigReport {
    /** What a password shows as. */
    public static final String HIDDEN = "<hidden>";

    private ConfigReport() {
    }

    public static List<Map.Entry<String, String>> lines(SluiceConfig c) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        add(out, "listen", c.listen());
        add(out, "max_connections", c.maxConnections());
        add(out, "handshake_timeout", Durations.format(c.handshakeTimeout()));
        add(out, "max_allowed_packet", Sizes.format(c.maxAllowedPacket()));
        for (int i = 0; i < c.users().size(); i++) {
            UserConfig u = c.users().get(i);
            add(out, "users[" + i + "].name", u.name());
            add(out, "users[" + i + "].password", password(u.password()));
        }
        add(out, "users_from_backend", c.usersFromBackend());
        add(out, "users_refresh_interval", Durations.format(c.usersRefreshInterval()));
        for (int i = 0; i < c.backends().size(); i++) {
            BackendConfig b = c.backends().get(i);
            add(out, "backends[" + i + "].name", b.name());
            add(out, "backends[" + i + "].address", b.address());
            add(out, "backends[" + i + "].weight", b.weight());
        }
        if (c.monitor().isPresent()) {
            MonitorConfig m = c.monitor().get();
            add(out, "monitor.user", m.user());
            add(out, "monitor.password", password(m.password()));
            add(out, "monitor.interval", Durations.format(m.interval()));
        } else {
            add(out, "monitor", "(none)");
        }
        TlsConfig t = c.tls();
        add(out, "tls.cert", t.certificate().map(f -> f.cert().toString()).orElse("(none: self-signed)"));
        add(out, "tls.key", t.certificate().map(f -> f.key().toString()).orElse("(none: self-signed)"));
        add(out, "tls.backend", t.backend());
        add(out, "tls.backend_ca", t.backendCa().map(Object::toString).orElse("(none: the JVM's trust store)"));
        add(out, "tls.backend_verify_hostname", t.backendVerifyHostname());
        add(out, "routing.max_replica_lag", Durations.format(c.routing().maxReplicaLag()));
        add(out, "routing.fallback", c.routing().fallback().name().toLowerCase(java.util.Locale.ROOT));
        add(out, "pool.max_per_backend", c.pool().maxPerBackend());
        add(out, "pool.acquire_timeout", Durations.format(c.pool().acquireTimeout()));
        Optional<AdminConfig> admin = c.admin();
        if (admin.isPresent()) {
            add(out, "admin.listen", admin.get().listen());
            add(out, "admin.user", admin.get().user());
            add(out, "admin.password", HIDDEN);
        } else {
            add(out, "admin", "(none)");
        }
        add(out, "metrics.enabled", c.metrics().enabled());
        add(out, "metrics.listen", c.metrics().listen());
        add(out, "shutdown.drain_timeout", Durations.format(c.shutdown().drainTimeout()));
        add(out, "proxy_protocol_networks", c.proxyProtocolNetworks().toString());
        return out;
    }

    private static String password(String p) {
        return p.isEmpty() ? "(none)" : HIDDEN;
    }

    private static void add(List<Map.Entry<String, String>> out, String key, Object value) {
        out.add(Map.entry(key, String.valueOf(value)));
    }
}
