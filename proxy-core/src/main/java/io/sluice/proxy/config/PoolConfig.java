package io.sluice.proxy.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The {@code pool} section: backend connections shared by client sessions between statements.
 *
 * @param maxPerBackend  {@code pool.max_per_backend}: backend connections Sluice keeps open to one server at
 *                       most; client sessions borrow them per statement and hold one only while they have state on
 *                       it (a transaction, pins, a cursor); default {@value #DEFAULT_MAX_PER_BACKEND}
 * @param acquireTimeout {@code pool.acquire_timeout}: how long a statement waits for a connection when the bound
 *                       is reached before it fails; default {@link #DEFAULT_ACQUIRE_TIMEOUT} (5s)
 */
public record PoolConfig(int maxPerBackend, Duration acquireTimeout) {
    public static final int DEFAULT_MAX_PER_BACKEND = 64;
    public static final Duration DEFAULT_ACQUIRE_TIMEOUT = Duration.ofSeconds(5);

    public PoolConfig {
        if (maxPerBackend < 1) {
            throw new IllegalArgumentException("maxPerBackend must be > 0: " + maxPerBackend);
        }
        Objects.requireNonNull(acquireTimeout, "acquireTimeout");
        Durations.requirePositive(acquireTimeout, "acquireTimeout");
    }

    public static PoolConfig defaults() {
        return new PoolConfig(DEFAULT_MAX_PER_BACKEND, DEFAULT_ACQUIRE_TIMEOUT);
    }
}
