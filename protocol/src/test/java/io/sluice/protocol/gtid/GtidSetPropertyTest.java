package io.sluice.protocol.gtid;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * GTID set algebra against brute-force models: for MySQL a {@code Set<Long>} per source over a small universe (so that
 * random intervals overlap, touch and nest often), for MariaDB a map from domain to sequence number.
 */
class GtidSetPropertyTest {
    private static final int TRIES = 400;

    // ------------------------------------------------------------------ MySQL model

    /** Sources in canonical order: same UUID untagged then tagged, UUIDs ascending (the last has the sign bit set). */
    private static final String[] SIDS = {
        GtidSetTest.U1, GtidSetTest.U1 + ":etl", GtidSetTest.U2, GtidSetTest.U3,
    };
    private static final long UNIVERSE = 64;

    record Piece(int sid, long start, long length, boolean upperCase, boolean newline) {
    }

    /** A MySQL set as text in the order generated, and as the members it stands for. */
    record MySqlModel(String text, List<Set<Long>> members) {
        GtidSet parsed() {
            return GtidSet.parseMySql(text);
        }

        static MySqlModel of(List<Set<Long>> members) {
            List<Piece> pieces = new ArrayList<>();
            for (int s = 0; s < SIDS.length; s++) {
                for (long seq : members.get(s)) {
                    pieces.add(new Piece(s, seq, 0, false, false));
                }
            }
            return from(pieces);
        }

        static MySqlModel from(List<Piece> pieces) {
            List<Set<Long>> members = new ArrayList<>();
            for (int s = 0; s < SIDS.length; s++) {
                members.add(new TreeSet<>());
            }
            StringBuilder text = new StringBuilder();
            for (Piece p : pieces) {
                if (text.length() > 0) {
                    text.append(p.newline ? ",\n" : ",");
                }
                String sid = p.upperCase ? SIDS[p.sid].toUpperCase() : SIDS[p.sid];
                text.append(sid).append(':').append(p.start);
                if (p.length > 0 || p.upperCase) {
                    text.append('-').append(p.start + p.length);
                }
                for (long seq = p.start; seq <= p.start + p.length; seq++) {
                    members.get(p.sid).add(seq);
                }
            }
            return new MySqlModel(text.toString(), members);
        }

        /** The canonical text, computed from the members the slow way. */
        String canonical() {
            StringBuilder out = new StringBuilder();
            String lastUuid = null;
            for (int s = 0; s < SIDS.length; s++) {
                TreeSet<Long> seqs = new TreeSet<>(members.get(s));
                if (seqs.isEmpty()) {
                    continue;
                }
                String uuid = SIDS[s].substring(0, 36);
                if (!uuid.equals(lastUuid)) {
                    if (lastUuid != null) {
                        out.append(',');
                    }
                    out.append(uuid);
                    lastUuid = uuid;
                }
                out.append(SIDS[s].substring(36));
                Long start = null;
                long prev = -1;
                for (long seq : seqs) {
                    if (start != null && seq == prev + 1) {
                        prev = seq;
                        continue;
                    }
                    if (start != null) {
                        appendRange(out, start, prev);
                    }
                    start = seq;
                    prev = seq;
                }
                appendRange(out, start, prev);
            }
            return out.toString();
        }

        private static void appendRange(StringBuilder out, long start, long last) {
            out.append(':').append(start);
            if (last != start) {
                out.append('-').append(last);
            }
        }
    }

    @Provide
    Arbitrary<MySqlModel> mysql() {
        Arbitrary<Piece> piece = Combinators.combine(
                Arbitraries.integers().between(0, SIDS.length - 1),
                Arbitraries.longs().between(1, UNIVERSE - 10),
                Arbitraries.longs().between(0, 9),
                Arbitraries.of(false, false, false, true),
                Arbitraries.of(false, true)).as(Piece::new);
        return piece.list().ofMaxSize(7).map(MySqlModel::from);
    }

    private static Gtid gtid(int sid, long seq) {
        String[] parts = SIDS[sid].split(":");
        return new Gtid.MySql(UUID.fromString(parts[0]), parts.length > 1 ? parts[1] : "", seq);
    }

    @Property(tries = TRIES)
    void mysqlMembershipMatchesTheModel(@ForAll("mysql") MySqlModel m) {
        GtidSet set = m.parsed();
        for (int s = 0; s < SIDS.length; s++) {
            for (long seq = 1; seq <= UNIVERSE; seq++) {
                assertThat(set.contains(gtid(s, seq))).as("%s contains %s", set, gtid(s, seq))
                        .isEqualTo(m.members().get(s).contains(seq));
            }
        }
        assertThat(set.isEmpty()).isEqualTo(m.members().stream().allMatch(Set::isEmpty));
    }

    @Property(tries = TRIES)
    void mysqlFormatIsCanonicalAndRoundTrips(@ForAll("mysql") MySqlModel m) {
        GtidSet set = m.parsed();
        assertThat(set).hasToString(m.canonical());
        assertThat(GtidSet.parseMySql(set.toString())).isEqualTo(set).hasSameHashCodeAs(set);
        assertThat(GtidSet.parse(set.toString())).isEqualTo(set);
    }

    @Property(tries = TRIES)
    void mysqlContainsIsSubset(@ForAll("mysql") MySqlModel a, @ForAll("mysql") MySqlModel b) {
        boolean subset = true;
        for (int s = 0; s < SIDS.length; s++) {
            subset &= a.members().get(s).containsAll(b.members().get(s));
        }
        assertThat(a.parsed().contains(b.parsed())).isEqualTo(subset);
    }

    @Property(tries = TRIES)
    void mysqlUnionAndSubtractMatchTheModel(@ForAll("mysql") MySqlModel a, @ForAll("mysql") MySqlModel b) {
        List<Set<Long>> union = new ArrayList<>();
        List<Set<Long>> difference = new ArrayList<>();
        for (int s = 0; s < SIDS.length; s++) {
            Set<Long> u = new TreeSet<>(a.members().get(s));
            u.addAll(b.members().get(s));
            union.add(u);
            Set<Long> d = new TreeSet<>(a.members().get(s));
            d.removeAll(b.members().get(s));
            difference.add(d);
        }
        assertThat(a.parsed().union(b.parsed())).isEqualTo(MySqlModel.of(union).parsed());
        assertThat(a.parsed().subtract(b.parsed())).isEqualTo(MySqlModel.of(difference).parsed());
        assertThat(b.parsed().missingFrom(a.parsed())).isEqualTo(MySqlModel.of(difference).parsed());
    }

    @Property(tries = TRIES)
    void mysqlAddIsUnionWithOne(@ForAll("mysql") MySqlModel a, @ForAll("mysql") MySqlModel b) {
        GtidSet expected = a.parsed();
        GtidSet actual = a.parsed();
        for (int s = 0; s < SIDS.length; s++) {
            for (long seq : b.members().get(s)) {
                actual = actual.add(gtid(s, seq));
            }
        }
        assertThat(actual).isEqualTo(expected.union(b.parsed()));
    }

    @Property(tries = TRIES)
    void mysqlAlgebra(@ForAll("mysql") MySqlModel ma, @ForAll("mysql") MySqlModel mb, @ForAll("mysql") MySqlModel mc) {
        algebra(ma.parsed(), mb.parsed(), mc.parsed(), true);
        GtidSet a = ma.parsed();
        GtidSet b = mb.parsed();
        // Subtraction partitions: (a \ b) ∪ (a ∩ b) = a, and a \ b shares nothing with b.
        assertThat(a.subtract(b).union(b)).isEqualTo(a.union(b));
        assertThat(a.subtract(b).subtract(b)).isEqualTo(a.subtract(b));
        assertThat(a.union(b).subtract(b).contains(a.subtract(b))).isTrue();
    }

    // ------------------------------------------------------------------ MariaDB model

    record Position(long domain, long server, long sequence) {
    }

    /** A MariaDB position as text and as domain → (sequence, server). */
    record MariaDbModel(String text, Map<Long, Position> byDomain) {
        GtidSet parsed() {
            return GtidSet.parseMariaDb(text);
        }
    }

    /** With {@code gtid_strict_mode} a (domain, sequence) names one transaction, so its server id is a function of both. */
    private static long strictServer(long domain, long sequence) {
        return Math.floorMod(domain * 31 + sequence, 3) + 1;
    }

    private Arbitrary<MariaDbModel> mariadb(boolean strict) {
        Arbitrary<Long> sequence = Arbitraries.oneOf(
                Arbitraries.longs().between(0, 30),
                Arbitraries.longs().between(-3, -1), // 2^64 - 3 .. 2^64 - 1 as unsigned
                Arbitraries.longs().between(Long.MAX_VALUE - 2, Long.MAX_VALUE).map(v -> v + 1)); // around 2^63
        Arbitrary<Position> position = Combinators.combine(
                Arbitraries.longs().between(0, 5).map(d -> d == 5 ? 4_294_967_295L : d),
                Arbitraries.longs().between(1, 3),
                sequence).as((d, s, q) -> new Position(d, strict ? strictServer(d, q) : s, q));
        return position.list().ofMaxSize(6).map(list -> {
            Map<Long, Position> byDomain = new LinkedHashMap<>();
            for (Position p : list) {
                byDomain.merge(p.domain, p, (x, y) -> Long.compareUnsigned(x.sequence, y.sequence) >= 0 ? x : y);
            }
            StringBuilder text = new StringBuilder();
            for (Position p : byDomain.values()) {
                text.append(text.length() == 0 ? "" : ",\n").append(p.domain).append('-').append(p.server)
                        .append('-').append(Long.toUnsignedString(p.sequence));
            }
            return new MariaDbModel(text.toString(), byDomain);
        });
    }

    @Provide
    Arbitrary<MariaDbModel> mariadbStrict() {
        return mariadb(true);
    }

    @Provide
    Arbitrary<MariaDbModel> mariadbAny() {
        return mariadb(false);
    }

    @Property(tries = TRIES)
    void mariadbContainsMatchesTheModel(@ForAll("mariadbAny") MariaDbModel a, @ForAll("mariadbAny") MariaDbModel b) {
        boolean expected = b.byDomain().values().stream().allMatch(p -> {
            Position mine = a.byDomain().get(p.domain);
            return mine != null && Long.compareUnsigned(mine.sequence, p.sequence) >= 0;
        });
        assertThat(a.parsed().contains(b.parsed())).isEqualTo(expected);
        for (Position p : b.byDomain().values()) {
            Position mine = a.byDomain().get(p.domain);
            assertThat(a.parsed().contains(new Gtid.MariaDb(p.domain, p.server, p.sequence)))
                    .isEqualTo(mine != null && Long.compareUnsigned(mine.sequence, p.sequence) >= 0);
        }
    }

    @Property(tries = TRIES)
    void mariadbUnionAndSubtractMatchTheModel(@ForAll("mariadbAny") MariaDbModel a,
                                              @ForAll("mariadbAny") MariaDbModel b) {
        GtidSet union = a.parsed().union(b.parsed());
        GtidSet ahead = a.parsed().subtract(b.parsed());
        for (long domain : List.of(0L, 1L, 2L, 3L, 4L, 4_294_967_295L)) {
            Position x = a.byDomain().get(domain);
            Position y = b.byDomain().get(domain);
            Gtid probe = new Gtid.MariaDb(domain, 1, 0);
            if (x == null && y == null) {
                assertThat(union.contains(probe)).isFalse();
                continue;
            }
            long max = x == null ? y.sequence : y == null ? x.sequence
                    : Long.compareUnsigned(x.sequence, y.sequence) >= 0 ? x.sequence : y.sequence;
            assertThat(union.toString()).contains(domain + "-");
            assertThat(union.contains(new Gtid.MariaDb(domain, 1, max))).isTrue();
            if (max != -1L) {
                assertThat(union.contains(new Gtid.MariaDb(domain, 1, max + 1))).isFalse();
            }
            boolean isAhead = x != null && (y == null || Long.compareUnsigned(x.sequence, y.sequence) > 0);
            assertThat(ahead.contains(probe)).isEqualTo(isAhead);
        }
        assertThat(GtidSet.parseMariaDb(union.toString())).isEqualTo(union);
    }

    @Property(tries = TRIES)
    void mariadbFormatRoundTrips(@ForAll("mariadbAny") MariaDbModel m) {
        GtidSet set = m.parsed();
        assertThat(GtidSet.parseMariaDb(set.toString())).isEqualTo(set).hasSameHashCodeAs(set);
        assertThat(GtidSet.parse(m.text())).isEqualTo(set);
        assertThat(set.toString()).doesNotContain("\n");
    }

    @Property(tries = TRIES)
    void mariadbAlgebra(@ForAll("mariadbAny") MariaDbModel a, @ForAll("mariadbAny") MariaDbModel b,
                        @ForAll("mariadbAny") MariaDbModel c) {
        algebra(a.parsed(), b.parsed(), c.parsed(), false);
    }

    @Property(tries = TRIES)
    void mariadbStrictModeAntisymmetry(@ForAll("mariadbStrict") MariaDbModel a, @ForAll("mariadbStrict") MariaDbModel b,
                                       @ForAll("mariadbStrict") MariaDbModel c) {
        algebra(a.parsed(), b.parsed(), c.parsed(), true);
    }

    // ------------------------------------------------------------------ shared laws

    private static void algebra(GtidSet a, GtidSet b, GtidSet c, boolean antisymmetric) {
        assertThat(a.union(b)).isEqualTo(b.union(a));
        assertThat(a.union(b).union(c)).isEqualTo(a.union(b.union(c)));
        assertThat(a.union(a)).isEqualTo(a);
        assertThat(a.union(GtidSet.empty())).isEqualTo(a);
        assertThat(a.union(b).contains(a)).isTrue();
        assertThat(a.union(b).contains(b)).isTrue();
        assertThat(a.contains(a)).isTrue();
        assertThat(a.contains(GtidSet.empty())).isTrue();
        if (a.contains(b) && b.contains(c)) {
            assertThat(a.contains(c)).isTrue();
        }
        if (a.union(b).contains(c)) {
            // transitivity through the union, exercised on every try
            assertThat(a.union(b).union(c)).isEqualTo(a.union(b).union(c.union(a)));
        }
        assertThat(a.contains(b)).isEqualTo(a.union(b).contains(b) && a.contains(a.union(b)));
        if (antisymmetric) {
            assertThat(a.contains(b) && b.contains(a)).isEqualTo(a.equals(b));
        }
        assertThat(a.subtract(a).isEmpty()).isTrue();
        assertThat(a.subtract(b).union(b).contains(a)).isTrue();
    }
}
