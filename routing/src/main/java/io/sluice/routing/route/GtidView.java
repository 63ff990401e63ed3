package io.sluice.routing.route;

import io.sluice.protocol.gtid.GtidSet;

/**
 * What each server has applied, as far as Sluice knows from its binlog stream: the router's view of the GTID
 * tracker. Implementations answer from memory, without locks and without I/O.
 */
@FunctionalInterface
public interface GtidView {
    /** No tracking: every server's set is unknown (empty), so only sessions that need nothing read from replicas. */
    GtidView NONE = server -> GtidSet.empty();

    /** The transactions {@code server} has executed; empty when unknown. */
    GtidSet executed(String server);
}
