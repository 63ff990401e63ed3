package io.sluice.proxy.monitor;

import java.util.List;
import java.util.Objects;

/**
 * What one check of one backend found.
 *
 * @param reachable whether the check completed
 * @param problem   why not, or what else went wrong (e.g. the heartbeat could not be read); empty when nothing did
 * @param readOnly  {@code @@read_only}
 * @param serverId  {@code @@server_id}
 * @param channels  its replication connections; empty when it replicates from nothing
 * @param lagMillis lag from the heartbeat it holds; -1 when none could be read
 * @param committed the replicated GTIDs the server had committed when checked, as its replication status gives them
 *                  ({@code Gtid_Slave_Pos} on MariaDB, {@code Executed_Gtid_Set} on MySQL): the state its commit wait
 *                  ({@code MASTER_GTID_WAIT}, {@code WAIT_FOR_EXECUTED_GTID_SET}) follows. Empty when not a replica or
 *                  not reported
 */
public record Observation(boolean reachable, String problem, boolean readOnly, long serverId,
                   List<ReplicationChannel> channels, long lagMillis, String committed) {
    public Observation {
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(committed, "committed");
        channels = List.copyOf(channels);
    }

    public Observation(boolean reachable, String problem, boolean readOnly, long serverId,
                       List<ReplicationChannel> channels, long lagMillis) {
        this(reachable, problem, readOnly, serverId, channels, lagMillis, "");
    }

    public static Observation unreachable(String problem) {
        return new Observation(false, problem, false, 0, List.of(), -1);
    }
}
