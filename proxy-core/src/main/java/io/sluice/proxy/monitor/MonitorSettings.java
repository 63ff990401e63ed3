package io.sluice.proxy.monitor;

import io.sluice.proxy.config.MonitorConfig;

import java.time.Duration;
import java.util.Objects;

/**
 * How the {@link Monitor} works. {@link #from(MonitorConfig)} takes the credentials and interval from the configuration
 * and states every other default here, once.
 *
 * <p>{@link #toString()} leaves the password out.
 *
 * @param user              the account the monitor logs in as (needs replication status, and {@code SELECT, INSERT,
 *                          UPDATE, DELETE, CREATE} on the {@code sluice} schema for the heartbeat)
 * @param password          its password
 * @param interval          time between two checks of a backend
 * @param heartbeatInterval time between two heartbeat writes on the source; default {@link #DEFAULT_HEARTBEAT_INTERVAL}
 * @param checkTimeout      a check or heartbeat write not answered within this is abandoned and its connection closed
 *                          (a stalled server); default {@link #DEFAULT_CHECK_TIMEOUT}
 * @param connectTimeout    TCP connect and login; default {@link #DEFAULT_CONNECT_TIMEOUT}
 * @param maxBackoff        the longest wait between two reconnection attempts to an unreachable backend; default
 *                          {@link #DEFAULT_MAX_BACKOFF}
 */
public record MonitorSettings(String user, String password, Duration interval, Duration heartbeatInterval,
                              Duration checkTimeout, Duration connectTimeout, Duration maxBackoff) {
    /** 200 ms: within the 100–250 ms the issue asks for, so a fresh replica reads well under a second of lag. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofMillis(200);
    public static final Duration DEFAULT_CHECK_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);

    public MonitorSettings {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        for (Duration d : new Duration[] {interval, heartbeatInterval, checkTimeout, connectTimeout, maxBackoff}) {
            Objects.requireNonNull(d, "duration");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("monitor durations must be positive: " + d);
            }
        }
    }

    public static MonitorSettings from(MonitorConfig config) {
        return new MonitorSettings(config.user(), config.password(), config.interval(), DEFAULT_HEARTBEAT_INTERVAL,
                DEFAULT_CHECK_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BACKOFF);
    }

    public MonitorSettings withHeartbeatInterval(Duration d) {
        return new MonitorSettings(user, password, interval, d, checkTimeout, connectTimeout, maxBackoff);
    }

    public MonitorSettings withCheckTimeout(Duration d) {
        return new MonitorSettings(user, password, interval, heartbeatInterval, d, connectTimeout, maxBackoff);
    }

    public MonitorSettings withMaxBackoff(Duration d) {
        return new MonitorSettings(user, password, interval, heartbeatInterval, checkTimeout, connectTimeout, d);
    }

    @Override
    public String toString() {
        return "MonitorSettings[user=" + user + ", password=" + (password.isEmpty() ? "<none>" : "<hidden>")
                + ", interval=" + interval.toMillis() + "ms, heartbeatInterval=" + heartbeatInterval.toMillis()
                + "ms, checkTimeout=" + checkTimeout.toMillis() + "ms, connectTimeout=" + connectTimeout.toMillis()
                + "ms, maxBackoff=" + maxBackoff.toMillis() + "ms]";
    }
}
