package io.sluice.routing.topology;

/** A server's part in replication, as the monitor last saw it. */
public enum Role {
    /** Writable (read_only=0) and not replicating from a server in the list: the one writer. */
    SOURCE,
    /** Replicating from a server in the list. */
    REPLICA,
    /** Not reachable, or in a state the monitor cannot place (e.g. writable and replicating, outside a pair). */
    UNKNOWN
}
