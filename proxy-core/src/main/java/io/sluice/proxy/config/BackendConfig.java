package io.sluice.proxy.config;

import java.util.Objects;

/**
 * One MySQL or MariaDB server behind the proxy, from the {@code backends} list. Roles (source, replica) are discovered by the
 * monitor, not configured; until it lands, the first backend receives all traffic.
 *
 * @param name    a unique label for logs, metrics and the admin interface; {@code name} may be left out of the file, and then
 *                defaults to the address as written ({@code db1.internal:3306})
 * @param address {@code host:port}; required, unique among backends
 * @param weight  share of reads among equivalent replicas; greater than 0, default {@value #DEFAULT_WEIGHT}
 * @param candidate {@code candidate}: whether a failover may promote this server; default {@value #DEFAULT_CANDIDATE}
 * @param priority  {@code priority}: among candidates that have every transaction, the highest is promoted (then the
 *                  first in configuration order); 0 or more, default {@value #DEFAULT_PRIORITY}
 */
public record BackendConfig(String name, HostPort address, int weight, boolean candidate, int priority) {
    /** Default for {@code weight}. */
    public static final int DEFAULT_WEIGHT = 1;
    /** Default for {@code candidate}. */
    public static final boolean DEFAULT_CANDIDATE = true;
    /** Default for {@code priority}. */
    public static final int DEFAULT_PRIORITY = 0;

    /** A failover candidate of default priority. */
    public BackendConfig(String name, HostPort address, int weight) {
        this(name, address, weight, DEFAULT_CANDIDATE, DEFAULT_PRIORITY);
    }

    public BackendConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name is blank");
        }
        if (weight <= 0) {
            throw new IllegalArgumentException("weight must be > 0: " + weight);
        }
        if (priority < 0) {
            throw new IllegalArgumentException("priority must be >= 0: " + priority);
        }
        if (address.port() == 0) {
            throw new IllegalArgumentException("a backend needs a real port, not 0");
        }
    }

    /** The default name of a backend: its address, as {@link HostPort#toString()} writes it. */
    public static String defaultName(HostPort address) {
        return address.toString();
    }
}
