package io.sluice.routing.topology;

import java.util.Objects;

/**
 * One backend as the router sees it: a value, taken from the monitor's last check.
 *
 * @param name        the backend's configured name
 * @param role        its replication role
 * @param reachable   whether the last check reached it
 * @param replicating for replicas: IO and SQL threads both running without error
 * @param lagMillis   replication lag measured from the heartbeat, in milliseconds; -1 when unknown (no heartbeat
 *                    read, which the router treats as over any budget); 0 for the source
 * @param weight      relative share of reads among equally eligible replicas (> 0)
 * @param readOnly    the server's read_only flag
 */
public record ServerView(String name, Role role, boolean reachable, boolean replicating, long lagMillis, int weight,
                         boolean readOnly) {
    public ServerView {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        if (weight <= 0) {
            throw new IllegalArgumentException("weight must be > 0");
        }
    }

    /** Whether this server may serve a read with this lag budget. */
    public boolean readableWithin(long maxLagMillis) {
        return reachable && role == Role.REPLICA && replicating && lagMillis >= 0 && lagMillis <= maxLagMillis;
    }
}
