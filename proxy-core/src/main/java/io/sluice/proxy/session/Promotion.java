package io.sluice.proxy.session;

import io.sluice.protocol.gtid.GtidSet;

import java.util.Objects;

/**
 * A failover that promoted a new source: what sessions need to know whether their acknowledged writes survived it.
 *
 * @param epoch    counts the promotions since start (1 for the first)
 * @param dead     the source that was failed over
 * @param promoted the new source
 * @param survived the new source's executed GTID set when it was promoted: every write acknowledged before the
 *                 failover is in it, or was lost with the old source
 */
public record Promotion(long epoch, String dead, String promoted, GtidSet survived) {
    public Promotion {
        Objects.requireNonNull(dead, "dead");
        Objects.requireNonNull(promoted, "promoted");
        Objects.requireNonNull(survived, "survived");
    }
}
