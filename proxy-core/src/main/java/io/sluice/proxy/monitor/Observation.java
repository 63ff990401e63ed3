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
 */
public record Observation(boolean reachable, String problem, boolean readOnly, long serverId,
                   List<ReplicationChannel> channels, long lagMillis) {
    public Observation {
        Objects.requireNonNull(problem, "problem");
        channels = List.copyOf(channels);
    }

    public static Observation unreachable(String problem) {
        return new Observation(false, problem, false, 0, List.of(), -1);
    }
}
