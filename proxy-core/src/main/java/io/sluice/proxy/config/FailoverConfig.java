package io.sluice.proxy.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code failover} section: what Sluice does when the source dies.
 *
 * <p>{@link #toString()} leaves the replication password out.
 *
 * @param mode                {@code failover.mode}: {@code auto} (Sluice detects, promotes, repoints, fences),
 *                            {@code follow} (an external tool promotes; Sluice follows the topology it observes) or
 *                            {@code off} (the source is never changed; writes fail fast while it is down); default
 *                            {@link #DEFAULT_MODE}
 * @param failcount           {@code failover.failcount}: consecutive failed checks of the source before it may be
 *                            declared dead (and only if its replicas lost it too); default {@value #DEFAULT_FAILCOUNT},
 *                            which with {@code monitor.interval} at 500ms acts on a kill -9 within about 1.5 s
 * @param minInterval         {@code failover.min_interval}: a second failover within this long of the last one is not
 *                            done automatically (anti-flap); default {@link #DEFAULT_MIN_INTERVAL} (60s)
 * @param catchupTimeout      {@code failover.catchup_timeout}: how long the replicas may take to apply their relay
 *                            logs before the candidate is chosen; default {@link #DEFAULT_CATCHUP_TIMEOUT} (10s)
 * @param writeHold           {@code failover.write_hold}: how long a write arriving while there is no source waits for
 *                            a new one before it is refused; default {@link #DEFAULT_WRITE_HOLD} (10s)
 * @param rejoin              {@code failover.rejoin}: make the old source a replica of the new one when it comes back
 *                            without errant transactions; default {@value #DEFAULT_REJOIN}
 * @param replicationUser     {@code failover.replication_user}: the account replicas use to connect to the new
 *                            source; empty (the default): the one each replica used for the old source
 *                            ({@code Master_User})
 * @param replicationPassword {@code failover.replication_password}: its password (servers never show it); default none
 * @param lostWriteError      {@code failover.lost_write}: {@code error} (default, true) answers a session whose
 *                            acknowledged write did not survive a failover with an error on its next read;
 *                            {@code ignore} (false) lets it read on without that write
 */
public record FailoverConfig(Mode mode, int failcount, Duration minInterval, Duration catchupTimeout,
                             Duration writeHold, boolean rejoin, String replicationUser, String replicationPassword,
                             boolean lostWriteError) {
    /** {@code failover.mode}. */
    public enum Mode {
        AUTO, FOLLOW, OFF;

        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Mode> parse(String text) {
            for (Mode m : values()) {
                if (m.text().equals(text)) {
                    return Optional.of(m);
                }
            }
            return Optional.empty();
        }
    }

    public static final Mode DEFAULT_MODE = Mode.AUTO;
    public static final int DEFAULT_FAILCOUNT = 3;
    public static final Duration DEFAULT_MIN_INTERVAL = Duration.ofSeconds(60);
    public static final Duration DEFAULT_CATCHUP_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_WRITE_HOLD = Duration.ofSeconds(10);
    public static final boolean DEFAULT_REJOIN = false;

    public FailoverConfig {
        Objects.requireNonNull(mode, "mode");
        if (failcount < 1) {
            throw new IllegalArgumentException("failcount must be >= 1: " + failcount);
        }
        Durations.requirePositive(minInterval, "minInterval");
        Durations.requirePositive(catchupTimeout, "catchupTimeout");
        Objects.requireNonNull(writeHold, "writeHold");
        if (writeHold.isNegative()) {
            throw new IllegalArgumentException("writeHold must not be negative");
        }
        Objects.requireNonNull(replicationUser, "replicationUser");
        Objects.requireNonNull(replicationPassword, "replicationPassword");
    }

    /** The configuration without {@code lost_write} given: {@code error}. */
    public FailoverConfig(Mode mode, int failcount, Duration minInterval, Duration catchupTimeout, Duration writeHold,
                          boolean rejoin, String replicationUser, String replicationPassword) {
        this(mode, failcount, minInterval, catchupTimeout, writeHold, rejoin, replicationUser, replicationPassword,
                DEFAULT_LOST_WRITE_ERROR);
    }

    public static final boolean DEFAULT_LOST_WRITE_ERROR = true;

    public static FailoverConfig defaults() {
        return new FailoverConfig(DEFAULT_MODE, DEFAULT_FAILCOUNT, DEFAULT_MIN_INTERVAL, DEFAULT_CATCHUP_TIMEOUT,
                DEFAULT_WRITE_HOLD, DEFAULT_REJOIN, "", "");
    }

    public FailoverConfig withLostWriteError(boolean error) {
        return new FailoverConfig(mode, failcount, minInterval, catchupTimeout, writeHold, rejoin, replicationUser,
                replicationPassword, error);
    }

    public FailoverConfig withMode(Mode m) {
        return new FailoverConfig(m, failcount, minInterval, catchupTimeout, writeHold, rejoin, replicationUser,
                replicationPassword, lostWriteError);
    }

    public FailoverConfig withRejoin(boolean r) {
        return new FailoverConfig(mode, failcount, minInterval, catchupTimeout, writeHold, r, replicationUser,
                replicationPassword, lostWriteError);
    }

    public FailoverConfig withReplicationAccount(String user, String password) {
        return new FailoverConfig(mode, failcount, minInterval, catchupTimeout, writeHold, rejoin, user, password,
                lostWriteError);
    }

    @Override
    public String toString() {
        return "FailoverConfig[mode=" + mode.text() + ", failcount=" + failcount + ", min_interval="
                + Durations.format(minInterval) + ", catchup_timeout=" + Durations.format(catchupTimeout)
                + ", write_hold=" + Durations.format(writeHold) + ", rejoin=" + rejoin + ", replication_user="
                + (replicationUser.isEmpty() ? "<from the replicas>" : replicationUser) + ", replication_password="
                + (replicationPassword.isEmpty() ? "<none>" : "<hidden>") + ", lost_write="
                + (lostWriteError ? "error" : "ignore") + "]";
    }
}
