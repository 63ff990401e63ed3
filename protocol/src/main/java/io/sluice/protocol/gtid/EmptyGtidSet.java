package io.sluice.protocol.gtid;

import java.util.Objects;
import java.util.Optional;

/** The one empty {@link GtidSet}, of no flavour. */
final class EmptyGtidSet implements GtidSet {
    static final EmptyGtidSet INSTANCE = new EmptyGtidSet();

    private EmptyGtidSet() {
    }

    @Override
    public Optional<Flavour> flavour() {
        return Optional.empty();
    }

    @Override
    public boolean isEmpty() {
        return true;
    }

    @Override
    public boolean contains(GtidSet other) {
        return other.isEmpty();
    }

    @Override
    public boolean contains(Gtid gtid) {
        return false;
    }

    @Override
    public GtidSet union(GtidSet other) {
        return other;
    }

    @Override
    public GtidSet add(Gtid gtid) {
        Objects.requireNonNull(gtid, "gtid");
        if (gtid instanceof Gtid.MySql mysql) {
            return MySqlGtidSet.single(mysql);
        }
        return MariaDbGtidSet.single((Gtid.MariaDb) gtid);
    }

    @Override
    public GtidSet subtract(GtidSet other) {
        return this;
    }

    @Override
    public String toString() {
        return "";
    }

    @Override
    public boolean equals(Object other) {
        return other == this;
    }

    @Override
    public int hashCode() {
        return 0;
    }
}
