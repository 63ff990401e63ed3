package io.sluice.protocol.gtid;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A non-empty MySQL GTID set, in flat primitive arrays so that {@link #contains(GtidSet)} allocates nothing.
 *
 * <p>Layout: sources ("sids": a UUID and a tag, {@code ""} when untagged) in ascending order of
 * {@link #compareSid}, the UUID as two longs. Source {@code i} owns intervals {@code offset[i]} up to
 * {@code offset[i + 1]}; interval {@code k} is {@code [bounds[2k], bounds[2k + 1])}. The end is EXCLUSIVE, as in the
 * binary (event) form, while the text form's end is inclusive: {@code 1-5} is stored as {@code [1, 6)}. The
 * conversion happens only in {@link #parse} and {@link #toString}. Intervals of a source are sorted, disjoint and
 * non-adjacent (adjacent ones are merged), so two sets are equal iff their arrays are.
 */
final class MySqlGtidSet implements GtidSet {
    private final long[] uuidHi;
    private final long[] uuidLo;
    private final String[] tags;
    private final int[] offset;
    private final long[] bounds;
    private int hash;
    private String text;

    private MySqlGtidSet(long[] uuidHi, long[] uuidLo, String[] tags, int[] offset, long[] bounds) {
        this.uuidHi = uuidHi;
        this.uuidLo = uuidLo;
        this.tags = tags;
        this.offset = offset;
        this.bounds = bounds;
    }

    static GtidSet single(Gtid.MySql gtid) {
        Builder builder = new Builder();
        builder.startSid(gtid.sourceId().getMostSignificantBits(), gtid.sourceId().getLeastSignificantBits(),
                gtid.tag());
        builder.append(gtid.sequence(), gtid.sequence() + 1);
        return builder.build();
    }

    // ---------------------------------------------------------------- parsing

    /** One {@code start-end} of the text, before sorting and merging; {@code endExclusive} is the text's end + 1. */
    private record Raw(long hi, long lo, String tag, long start, long endExclusive) {
    }

    static GtidSet parse(String text) {
        GtidText in = new GtidText(text);
        in.skipWhitespace();
        if (in.atEnd()) {
            return GtidSet.empty();
        }
        List<Raw> raw = new ArrayList<>();
        while (true) {
            in.skipWhitespace();
            if (in.atEnd() || in.peek() == ',') {
                throw in.error("expected a source UUID but found " + (in.atEnd() ? "end of input" : "','"));
            }
            readEntry(in, raw);
            in.skipWhitespace();
            if (in.atEnd()) {
                break;
            }
            in.expect(',', "between sources");
        }
        raw.sort((a, b) -> {
            int c = compareSid(a.hi, a.lo, a.tag, b.hi, b.lo, b.tag);
            return c != 0 ? c : Long.compare(a.start, b.start);
        });
        Builder builder = new Builder();
        for (Raw r : raw) {
            builder.startSid(r.hi, r.lo, r.tag);
            builder.append(r.start, r.endExclusive);
        }
        return builder.build();
    }

    /** {@code uuid(:interval|:tag)+}, where a tag applies to the intervals after it and must have at least one. */
    private static void readEntry(GtidText in, List<Raw> raw) {
        in.readUuid();
        long hi = in.uuidHi;
        long lo = in.uuidLo;
        String tag = "";
        int intervalsForTag = 0;
        int tagPosition = in.position();
        in.skipWhitespace();
        if (in.peek() != ':') {
            throw in.error("expected ':' and an interval after the source UUID");
        }
        while (in.tryConsume(':')) {
            in.skipWhitespace();
            if (GtidText.isTagStart(in.peek())) {
                if (!tag.isEmpty() && intervalsForTag == 0) {
                    throw in.errorAt(tagPosition, "tag '" + tag + "' has no intervals");
                }
                tagPosition = in.position();
                tag = in.readTag();
                intervalsForTag = 0;
            } else {
                int startPosition = in.position();
                long start = in.readNumber("interval start", 1, GtidText.MYSQL_MAX_SEQUENCE);
                long end = start;
                in.skipWhitespace();
                if (in.tryConsume('-')) {
                    in.skipWhitespace();
                    end = in.readNumber("interval end", 1, GtidText.MYSQL_MAX_SEQUENCE);
                    if (end < start) {
                        throw in.errorAt(startPosition, "interval end " + end + " is before its start " + start);
                    }
                }
                // Text end is inclusive; stored end is exclusive. MYSQL_MAX_SEQUENCE keeps end + 1 from overflowing.
                raw.add(new Raw(hi, lo, tag, start, end + 1));
                intervalsForTag++;
            }
            in.skipWhitespace();
        }
        if (!tag.isEmpty() && intervalsForTag == 0) {
            throw in.errorAt(tagPosition, "tag '" + tag + "' has no intervals");
        }
    }

    // ---------------------------------------------------------------- queries

    @Override
    public Optional<Flavour> flavour() {
        return Optional.of(Flavour.MYSQL);
    }

    @Override
    public boolean isEmpty() {
        return false;
    }

    @Override
    public boolean contains(GtidSet other) {
        if (other.isEmpty()) {
            return true;
        }
        MySqlGtidSet b = same(other);
        int sids = uuidHi.length;
        int i = 0;
        for (int j = 0; j < b.uuidHi.length; j++) {
            int cmp = -1;
            while (i < sids
                    && (cmp = compareSid(uuidHi[i], uuidLo[i], tags[i], b.uuidHi[j], b.uuidLo[j], b.tags[j])) < 0) {
                i++;
            }
            if (i == sids || cmp != 0) {
                return false;
            }
            if (!covers(offset[i], offset[i + 1], b.bounds, b.offset[j], b.offset[j + 1])) {
                return false;
            }
            i++;
        }
        return true;
    }

    /** Whether intervals {@code [from, to)} of this set cover intervals {@code [bFrom, bTo)} of {@code b}. */
    private boolean covers(int from, int to, long[] b, int bFrom, int bTo) {
        int k = from;
        for (int m = bFrom; m < bTo; m++) {
            long start = b[2 * m];
            long end = b[2 * m + 1];
            while (k < to && bounds[2 * k + 1] <= start) {
                k++;
            }
            // Our intervals are disjoint and non-adjacent, so one of them must hold the whole of b's.
            if (k == to || bounds[2 * k] > start || bounds[2 * k + 1] < end) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean contains(Gtid gtid) {
        if (!(gtid instanceof Gtid.MySql g)) {
            throw flavourMismatch(gtid.flavour());
        }
        UUID uuid = g.sourceId();
        long hi = uuid.getMostSignificantBits();
        long lo = uuid.getLeastSignificantBits();
        for (int i = 0; i < uuidHi.length; i++) {
            if (compareSid(uuidHi[i], uuidLo[i], tags[i], hi, lo, g.tag()) == 0) {
                long seq = g.sequence();
                for (int k = offset[i]; k < offset[i + 1]; k++) {
                    if (bounds[2 * k] <= seq && seq < bounds[2 * k + 1]) {
                        return true;
                    }
                }
                return false;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- algebra

    @Override
    public GtidSet union(GtidSet other) {
        if (other.isEmpty()) {
            return this;
        }
        MySqlGtidSet b = same(other);
        Builder out = new Builder();
        int i = 0;
        int j = 0;
        while (i < uuidHi.length || j < b.uuidHi.length) {
            int cmp;
            if (i == uuidHi.length) {
                cmp = 1;
            } else if (j == b.uuidHi.length) {
                cmp = -1;
            } else {
                cmp = compareSid(uuidHi[i], uuidLo[i], tags[i], b.uuidHi[j], b.uuidLo[j], b.tags[j]);
            }
            if (cmp < 0) {
                out.copySid(this, i++);
            } else if (cmp > 0) {
                out.copySid(b, j++);
            } else {
                out.startSid(uuidHi[i], uuidLo[i], tags[i]);
                int p = offset[i];
                int q = b.offset[j];
                int pEnd = offset[i + 1];
                int qEnd = b.offset[j + 1];
                while (p < pEnd || q < qEnd) {
                    if (q == qEnd || (p < pEnd && bounds[2 * p] <= b.bounds[2 * q])) {
                        out.append(bounds[2 * p], bounds[2 * p + 1]);
                        p++;
                    } else {
                        out.append(b.bounds[2 * q], b.bounds[2 * q + 1]);
                        q++;
                    }
                }
                i++;
                j++;
            }
        }
        return out.build();
    }

    @Override
    public GtidSet add(Gtid gtid) {
        if (!(gtid instanceof Gtid.MySql g)) {
            throw flavourMismatch(gtid.flavour());
        }
        return contains(g) ? this : union(single(g));
    }

    @Override
    public GtidSet subtract(GtidSet other) {
        if (other.isEmpty()) {
            return this;
        }
        MySqlGtidSet b = same(other);
        Builder out = new Builder();
        int j = 0;
        for (int i = 0; i < uuidHi.length; i++) {
            int cmp = 1;
            while (j < b.uuidHi.length
                    && (cmp = compareSid(uuidHi[i], uuidLo[i], tags[i], b.uuidHi[j], b.uuidLo[j], b.tags[j])) > 0) {
                j++;
            }
            if (j == b.uuidHi.length || cmp != 0) {
                out.copySid(this, i);
                continue;
            }
            out.startSid(uuidHi[i], uuidLo[i], tags[i]);
            int q = b.offset[j];
            int qEnd = b.offset[j + 1];
            for (int p = offset[i]; p < offset[i + 1]; p++) {
                long cur = bounds[2 * p];
                long end = bounds[2 * p + 1];
                while (cur < end) {
                    while (q < qEnd && b.bounds[2 * q + 1] <= cur) {
                        q++;
                    }
                    if (q == qEnd || b.bounds[2 * q] >= end) {
                        out.append(cur, end);
                        break;
                    }
                    if (b.bounds[2 * q] > cur) {
                        out.append(cur, b.bounds[2 * q]);
                    }
                    // b's interval may reach into our next interval: keep q, move past it.
                    cur = b.bounds[2 * q + 1];
                }
            }
        }
        return out.build();
    }

    private static MySqlGtidSet same(GtidSet other) {
        if (other instanceof MySqlGtidSet mysql) {
            return mysql;
        }
        throw flavourMismatch(other.flavour().orElseThrow());
    }

    private static IllegalArgumentException flavourMismatch(Flavour other) {
        return new IllegalArgumentException("cannot combine a MySQL GTID set with a " + other + " GTID or set");
    }

    /**
     * Source order: UUID as an unsigned 128-bit number (the same order as its lower-case text), then tag, untagged
     * ({@code ""}) first.
     */
    static int compareSid(long hi1, long lo1, String tag1, long hi2, long lo2, String tag2) {
        int c = Long.compareUnsigned(hi1, hi2);
        if (c != 0) {
            return c;
        }
        c = Long.compareUnsigned(lo1, lo2);
        if (c != 0) {
            return c;
        }
        return tag1 == tag2 ? 0 : tag1.compareTo(tag2);
    }

    // ---------------------------------------------------------------- identity and text

    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        return o instanceof MySqlGtidSet other
                && Arrays.equals(uuidHi, other.uuidHi)
                && Arrays.equals(uuidLo, other.uuidLo)
                && Arrays.equals(tags, other.tags)
                && Arrays.equals(offset, other.offset)
                && Arrays.equals(bounds, other.bounds);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.hashCode(uuidHi);
            h = 31 * h + Arrays.hashCode(uuidLo);
            h = 31 * h + Arrays.hashCode(tags);
            h = 31 * h + Arrays.hashCode(bounds);
            hash = h;
        }
        return h;
    }

    @Override
    public String toString() {
        String s = text;
        if (s == null) {
            StringBuilder out = new StringBuilder(48 * uuidHi.length);
            for (int i = 0; i < uuidHi.length; i++) {
                boolean sameUuid = i > 0 && uuidHi[i] == uuidHi[i - 1] && uuidLo[i] == uuidLo[i - 1];
                if (!sameUuid) {
                    if (i > 0) {
                        out.append(',');
                    }
                    GtidText.appendUuid(out, uuidHi[i], uuidLo[i]);
                }
                if (!tags[i].isEmpty()) {
                    out.append(':').append(tags[i]);
                }
                for (int k = offset[i]; k < offset[i + 1]; k++) {
                    long start = bounds[2 * k];
                    long last = bounds[2 * k + 1] - 1; // exclusive end back to the text's inclusive end
                    out.append(':').append(start);
                    if (last != start) {
                        out.append('-').append(last);
                    }
                }
            }
            s = out.toString();
            text = s;
        }
        return s;
    }

    // ---------------------------------------------------------------- building

    /**
     * Accumulates sources in ascending order and, per source, intervals in ascending order of start, merging each
     * with the previous one when they overlap or touch. A source that receives no interval is dropped.
     */
    private static final class Builder {
        private long[] hi = new long[4];
        private long[] lo = new long[4];
        private String[] tag = new String[4];
        private int[] offset = new int[5];
        private long[] bounds = new long[8];
        private int sids;
        private int intervals;
        private boolean open;

        /** Starts a source, or continues the current one if it is the same. */
        void startSid(long h, long l, String t) {
            if (open && hi[sids - 1] == h && lo[sids - 1] == l && tag[sids - 1].equals(t)) {
                return;
            }
            closeSid();
            if (sids == hi.length) {
                hi = Arrays.copyOf(hi, sids * 2);
                lo = Arrays.copyOf(lo, sids * 2);
                tag = Arrays.copyOf(tag, sids * 2);
                offset = Arrays.copyOf(offset, sids * 2 + 1);
            }
            hi[sids] = h;
            lo[sids] = l;
            tag[sids] = t;
            offset[sids] = intervals;
            sids++;
            open = true;
        }

        void append(long start, long endExclusive) {
            if (intervals > offset[sids - 1] && start <= bounds[2 * intervals - 1]) {
                // Overlapping or adjacent ([1,6) then [6,10)): extend the previous interval.
                if (endExclusive > bounds[2 * intervals - 1]) {
                    bounds[2 * intervals - 1] = endExclusive;
                }
                return;
            }
            if (2 * intervals == bounds.length) {
                bounds = Arrays.copyOf(bounds, bounds.length * 2);
            }
            bounds[2 * intervals] = start;
            bounds[2 * intervals + 1] = endExclusive;
            intervals++;
        }

        void copySid(MySqlGtidSet from, int i) {
            startSid(from.uuidHi[i], from.uuidLo[i], from.tags[i]);
            for (int k = from.offset[i]; k < from.offset[i + 1]; k++) {
                append(from.bounds[2 * k], from.bounds[2 * k + 1]);
            }
        }

        private void closeSid() {
            if (open && offset[sids - 1] == intervals) {
                sids--; // nothing left in it (e.g. after subtract)
            }
            open = false;
        }

        GtidSet build() {
            closeSid();
            if (sids == 0) {
                return GtidSet.empty();
            }
            int[] off = Arrays.copyOf(offset, sids + 1);
            off[sids] = intervals;
            return new MySqlGtidSet(Arrays.copyOf(hi, sids), Arrays.copyOf(lo, sids), Arrays.copyOf(tag, sids), off,
                    Arrays.copyOf(bounds, 2 * intervals));
        }
    }
}
