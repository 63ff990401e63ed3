package io.sluice.proxy.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How the proxy watches its backends, from the optional {@code monitor} section. Its credentials are also the ones used to read
 * {@code mysql.user} when {@link SluiceConfig#usersFromBackend()} is on.
 *
 * <p>{@link #toString()} leaves the password out.
 *
 * @param user     the account the monitor logs in as; required when the section is present
 * @param password its password; default {@value #DEFAULT_PASSWORD} (none)
 * @param interval time between two probes of a backend; default {@link #DEFAULT_INTERVAL} (500ms)
 */
public record MonitorConfig(String user, String password, Duration interval) {
    /** Default for {@code monitor.password}: none. */
    public static final String DEFAULT_PASSWORD = "";
    /** Default for {@code monitor.interval}: 500ms, so that a failed source is noticed within about a second. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(500);

    public MonitorConfig {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Durations.requirePositive(interval, "interval");
    }

    @Override
    public String toString() {
        return "MonitorConfig[user=" + user + ", password=" + (password.isEmpty() ? "<none>" : "<hidden>")
                + ", interval=" + Durations.format(interval) + "]";
    }
}
