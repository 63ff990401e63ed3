package io.sluice.protocol.gtid;

import java.util.Optional;

/**
 * An immutable set of GTIDs, MySQL or MariaDB: what a server has executed, or what a session must see before a read.
 *
 * <h2>MySQL</h2>
 * Interval sets per source: {@code 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-100:200,…}. Canonical form: UUIDs in lower
 * case and ascending order, intervals sorted with overlapping and adjacent ones merged ({@code 1-5:6-9} is
 * {@code 1-9}), a single value printed alone ({@code 7}, not {@code 7-7}), entries joined by {@code ","} without
 * the newline {@code @@gtid_executed} adds. The text form's interval end is inclusive; the binary form (binlog events,
 * {@code COM_BINLOG_DUMP_GTID}) stores end + 1. Internally this type uses the exclusive end as well, converting at the
 * text boundary only.
 *
 * <p>MySQL 8.4 tagged GTIDs ({@code uuid:tag:1-5}, and in a set {@code uuid:1-4:etl:1-3}) are supported: a tag is
 * part of a transaction's identity, so {@code uuid:1} and {@code uuid:etl:1} are different members. Tags are
 * normalised to lower case; within one UUID untagged intervals print first, then tags in ascending order.
 *
 * <h2>MariaDB</h2>
 * Positions {@code domain-server-seq}, at most one per replication domain: {@code 0-1-100,1-2-5}. A position is the
 * last sequence number applied in its domain; with {@code gtid_strict_mode} sequence numbers grow monotonically per
 * domain, so a position stands for everything up to it in that domain. Hence:
 * <ul>
 *   <li>{@code a.contains(b)} iff for every domain of {@code b}, {@code a} has that domain with a sequence number
 *       {@code >=} {@code b}'s. The server id plays no part in ordering: {@code 0-1-5} and {@code 0-2-5} contain each
 *       other (they are the same position, reached through different primaries) though they are not
 *       {@link #equals equal}, since the server id is part of the text.</li>
 *   <li>{@code union} is the per-domain maximum; on equal sequence numbers with different server ids (a diverged
 *       history) the larger server id is kept, only so that union stays commutative.</li>
 * </ul>
 * Canonical form: domains ascending, joined by {@code ","}.
 *
 * <h2>Flavours and the empty set</h2>
 * There is one empty set, {@link #empty()}, of no flavour: it is contained in every set and contains only itself.
 * Combining two non-empty sets of different flavours is a programming error and throws
 * {@link IllegalArgumentException}.
 *
 * <h2>Cost</h2>
 * {@link #contains} walks both sets once over primitive arrays and allocates nothing; it is the question routing
 * asks on every read. Everything else builds a new set.
 *
 * @see <a href="https://dev.mysql.com/doc/refman/8.4/en/replication-gtids-concepts.html">MySQL: GTID sets</a>
 * @see <a href="https://mariadb.com/kb/en/gtid/">MariaDB: GTID</a>
 */
public sealed interface GtidSet permits EmptyGtidSet, MySqlGtidSet, MariaDbGtidSet {

    /** The two server families, whose GTIDs have different shapes and different ordering. */
    enum Flavour { MYSQL, MARIADB }

    /** The empty set, of no flavour. */
    static GtidSet empty() {
        return EmptyGtidSet.INSTANCE;
    }

    /**
     * Parses either flavour, telling them apart by the first element: MySQL elements always have a ':', MariaDB
     * elements never do. Blank text is the empty set.
     *
     * @throws GtidParseException if the text is not a GTID set of the flavour its first element suggests
     */
    static GtidSet parse(String text) {
        if (GtidText.isBlank(text)) {
            return empty();
        }
        return GtidText.looksLikeMySql(text) ? MySqlGtidSet.parse(text) : MariaDbGtidSet.parse(text);
    }

    /** Parses MySQL text such as {@code @@gtid_executed}; blank text is the empty set. */
    static GtidSet parseMySql(String text) {
        return MySqlGtidSet.parse(text);
    }

    /**
     * Parses MariaDB text such as {@code @@gtid_current_pos}; blank text is the empty set. Two positions in one domain
     * are rejected: the server never prints them, and they would make the set ambiguous.
     */
    static GtidSet parseMariaDb(String text) {
        return MariaDbGtidSet.parse(text);
    }

    /** The set holding exactly one GTID (for MariaDB, the position it names). */
    static GtidSet of(Gtid gtid) {
        return empty().add(gtid);
    }

    /** The flavour, or empty for {@link #empty()}. */
    Optional<Flavour> flavour();

    boolean isEmpty();

    /**
     * Whether every transaction in {@code other} is in this set ({@code this ⊇ other}); for MariaDB, whether this
     * set's position is at or past {@code other}'s in every domain {@code other} has. Allocates nothing.
     *
     * @throws IllegalArgumentException if both sets are non-empty and of different flavours
     */
    boolean contains(GtidSet other);

    /** Whether the transaction is in this set (for MariaDB: this set is at or past its position in its domain). */
    boolean contains(Gtid gtid);

    /** {@code this ∪ other}; for MariaDB the per-domain maximum. */
    GtidSet union(GtidSet other);

    /** This set with one more GTID; for MariaDB, with the GTID's domain moved forward to it if it is ahead. */
    GtidSet add(Gtid gtid);

    /**
     * What this set has that {@code other} lacks.
     *
     * <p>MySQL: the exact set difference {@code this \ other}; {@code replica.subtract(primary)} is the replica's
     * errant transactions.
     *
     * <p>MariaDB: this set's positions in the domains where it is ahead of {@code other} (its sequence number is
     * greater, or {@code other} lacks the domain). The transactions missing from {@code other} in such a domain are
     * those after {@code other}'s sequence number up to and including this set's. A domain where both are at the same
     * sequence number through different server ids is not ahead (see the class comment).
     */
    GtidSet subtract(GtidSet other);

    /**
     * What {@code other} has that this set lacks: {@code other.subtract(this)}. A replica that is to be promoted
     * reports {@code replica.missingFrom(oldPrimary)} as the transactions it would lose.
     */
    default GtidSet missingFrom(GtidSet other) {
        return other.subtract(this);
    }

    /** The canonical server syntax (see the class comment); {@code ""} for the empty set. */
    @Override
    String toString();

    /** Equality of canonical forms. */
    @Override
    boolean equals(Object other);

    @Override
    int hashCode();
}
