package io.sluice.protocol.gtid;

import java.util.Arrays;
import java.util.Optional;

/**
 * A non-empty MariaDB GTID position: one {@code domain-server-seq} per domain, in three parallel arrays sorted by
 * domain. Domain and server ids are unsigned 32-bit in a {@code long}; sequence numbers are unsigned 64-bit in the
 * bits of a {@code long}, so they are always compared with {@link Long#compareUnsigned}.
 *
 * <p>The ordering and its indifference to server ids are described on {@link GtidSet}.
 */
final class MariaDbGtidSet implements GtidSet {
    private final long[] domain;
    private final long[] server;
    private final long[] sequence;
    private int hash;
    private String text;

    private MariaDbGtidSet(long[] domain, long[] server, long[] sequence) {
        this.domain = domain;
        this.server = server;
        this.sequence = sequence;
    }

    static GtidSet single(Gtid.MariaDb gtid) {
        return new MariaDbGtidSet(new long[] {gtid.domainId()}, new long[] {gtid.serverId()},
                new long[] {gtid.sequence()});
    }

    static GtidSet parse(String text) {
        GtidText in = new GtidText(text);
        in.skipWhitespace();
        if (in.atEnd()) {
            return GtidSet.empty();
        }
        long[] d = new long[4];
        long[] s = new long[4];
        long[] q = new long[4];
        int[] at = new int[4];
        int n = 0;
        while (true) {
            in.skipWhitespace();
            if (n == d.length) {
                d = Arrays.copyOf(d, n * 2);
                s = Arrays.copyOf(s, n * 2);
                q = Arrays.copyOf(q, n * 2);
                at = Arrays.copyOf(at, n * 2);
            }
            at[n] = in.position();
            if (in.peek() == ':' || (!in.atEnd() && !GtidText.isDigit(in.peek()))) {
                throw in.error("expected a MariaDB GTID domain-server-seq (a MySQL GTID set mixed in?)");
            }
            Gtid.MariaDb gtid = Gtid.MariaDb.read(in);
            d[n] = gtid.domainId();
            s[n] = gtid.serverId();
            q[n] = gtid.sequence();
            n++;
            in.skipWhitespace();
            if (in.atEnd()) {
                break;
            }
            in.expect(',', "between GTIDs");
        }
        // Few domains in practice: insertion sort keeps the position of each entry for the duplicate error.
        for (int i = 1; i < n; i++) {
            for (int k = i; k > 0 && d[k - 1] > d[k]; k--) {
                swap(d, k);
                swap(s, k);
                swap(q, k);
                int t = at[k];
                at[k] = at[k - 1];
                at[k - 1] = t;
            }
        }
        for (int i = 1; i < n; i++) {
            if (d[i] == d[i - 1]) {
                throw in.errorAt(Math.max(at[i], at[i - 1]), "domain " + d[i] + " appears twice");
            }
        }
        return new MariaDbGtidSet(Arrays.copyOf(d, n), Arrays.copyOf(s, n), Arrays.copyOf(q, n));
    }

    private static void swap(long[] a, int k) {
        long t = a[k];
        a[k] = a[k - 1];
        a[k - 1] = t;
    }

    @Override
    public Optional<Flavour> flavour() {
        return Optional.of(Flavour.MARIADB);
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
        MariaDbGtidSet b = same(other);
        int i = 0;
        for (int j = 0; j < b.domain.length; j++) {
            while (i < domain.length && domain[i] < b.domain[j]) {
                i++;
            }
            if (i == domain.length || domain[i] != b.domain[j]
                    || Long.compareUnsigned(sequence[i], b.sequence[j]) < 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean contains(Gtid gtid) {
        if (!(gtid instanceof Gtid.MariaDb g)) {
            throw flavourMismatch(gtid.flavour());
        }
        int i = Arrays.binarySearch(domain, g.domainId());
        return i >= 0 && Long.compareUnsigned(sequence[i], g.sequence()) >= 0;
    }

    @Override
    public GtidSet union(GtidSet other) {
        if (other.isEmpty()) {
            return this;
        }
        MariaDbGtidSet b = same(other);
        int n = domain.length + b.domain.length;
        long[] d = new long[n];
        long[] s = new long[n];
        long[] q = new long[n];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < domain.length || j < b.domain.length) {
            int cmp = i == domain.length ? 1 : j == b.domain.length ? -1 : Long.compare(domain[i], b.domain[j]);
            if (cmp < 0) {
                d[k] = domain[i];
                s[k] = server[i];
                q[k++] = sequence[i++];
            } else if (cmp > 0) {
                d[k] = b.domain[j];
                s[k] = b.server[j];
                q[k++] = b.sequence[j++];
            } else {
                boolean ours = isAtOrAfter(sequence[i], server[i], b.sequence[j], b.server[j]);
                d[k] = domain[i];
                s[k] = ours ? server[i] : b.server[j];
                q[k++] = ours ? sequence[i] : b.sequence[j];
                i++;
                j++;
            }
        }
        MariaDbGtidSet result = new MariaDbGtidSet(Arrays.copyOf(d, k), Arrays.copyOf(s, k), Arrays.copyOf(q, k));
        return result.equals(this) ? this : result;
    }

    /**
     * Union's per-domain order: sequence number, then server id. The server id only breaks ties between diverged
     * histories, so that union is commutative; containment ignores it.
     */
    private static boolean isAtOrAfter(long seq1, long server1, long seq2, long server2) {
        int c = Long.compareUnsigned(seq1, seq2);
        return c > 0 || (c == 0 && server1 >= server2);
    }

    @Override
    public GtidSet add(Gtid gtid) {
        if (!(gtid instanceof Gtid.MariaDb g)) {
            throw flavourMismatch(gtid.flavour());
        }
        return union(single(g));
    }

    @Override
    public GtidSet subtract(GtidSet other) {
        if (other.isEmpty()) {
            return this;
        }
        MariaDbGtidSet b = same(other);
        long[] d = new long[domain.length];
        long[] s = new long[domain.length];
        long[] q = new long[domain.length];
        int k = 0;
        int j = 0;
        for (int i = 0; i < domain.length; i++) {
            while (j < b.domain.length && b.domain[j] < domain[i]) {
                j++;
            }
            boolean ahead = j == b.domain.length || b.domain[j] != domain[i]
                    || Long.compareUnsigned(sequence[i], b.sequence[j]) > 0;
            if (ahead) {
                d[k] = domain[i];
                s[k] = server[i];
                q[k++] = sequence[i];
            }
        }
        if (k == 0) {
            return GtidSet.empty();
        }
        return k == domain.length ? this
                : new MariaDbGtidSet(Arrays.copyOf(d, k), Arrays.copyOf(s, k), Arrays.copyOf(q, k));
    }

    private static MariaDbGtidSet same(GtidSet other) {
        if (other instanceof MariaDbGtidSet mariadb) {
            return mariadb;
        }
        throw flavourMismatch(other.flavour().orElseThrow());
    }

    private static IllegalArgumentException flavourMismatch(Flavour other) {
        return new IllegalArgumentException("cannot combine a MariaDB GTID set with a " + other + " GTID or set");
    }

    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        return o instanceof MariaDbGtidSet other
                && Arrays.equals(domain, other.domain)
                && Arrays.equals(server, other.server)
                && Arrays.equals(sequence, other.sequence);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = 31 * (31 * Arrays.hashCode(domain) + Arrays.hashCode(server)) + Arrays.hashCode(sequence);
            hash = h;
        }
        return h;
    }

    @Override
    public String toString() {
        String t = text;
        if (t == null) {
            StringBuilder out = new StringBuilder(16 * domain.length);
            for (int i = 0; i < domain.length; i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(domain[i]).append('-').append(server[i]).append('-')
                        .append(Long.toUnsignedString(sequence[i]));
            }
            t = out.toString();
            text = t;
        }
        return t;
    }
}
