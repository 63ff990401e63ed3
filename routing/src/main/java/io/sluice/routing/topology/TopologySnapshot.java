package io.sluice.routing.topology;

import java.util.List;
import java.util.Optional;

/**
 * The whole topology at one moment: an immutable value the monitor replaces atomically and sessions read without
 * locks. {@code version} grows with every new snapshot.
 */
public record TopologySnapshot(long version, List<ServerView> servers) {
    public TopologySnapshot {
        servers = List.copyOf(servers);
        long sources = servers.stream().filter(s -> s.role() == Role.SOURCE).count();
        if (sources > 1) {
            throw new IllegalArgumentException("a snapshot names at most one source, got " + sources);
        }
    }

    public static TopologySnapshot empty() {
        return new TopologySnapshot(0, List.of());
    }

    /** The writer, when one is known and reachable. */
    public Optional<ServerView> source() {
        return servers.stream().filter(s -> s.role() == Role.SOURCE && s.reachable()).findFirst();
    }

    public List<ServerView> replicas() {
        return servers.stream().filter(s -> s.role() == Role.REPLICA).toList();
    }

    public Optional<ServerView> server(String name) {
        return servers.stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
