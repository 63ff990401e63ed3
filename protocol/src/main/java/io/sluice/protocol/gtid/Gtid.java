package io.sluice.protocol.gtid;

import java.util.UUID;

/**
 * One global transaction identifier, of either flavour.
 *
 * <ul>
 *   <li>{@link MySql}: {@code source_uuid:sequence}, or with a MySQL 8.4 tag {@code source_uuid:tag:sequence}.
 *       A tag is part of the identity: {@code u:1} and {@code u:etl:1} are different transactions.</li>
 *   <li>{@link MariaDb}: {@code domain-server-sequence}.</li>
 * </ul>
 *
 * @see <a href="https://dev.mysql.com/doc/refman/8.4/en/replication-gtids-concepts.html">MySQL: GTID format</a>
 * @see <a href="https://mariadb.com/kb/en/gtid/">MariaDB: GTID</a>
 */
public sealed interface Gtid permits Gtid.MySql, Gtid.MariaDb {

    /** Which server family this identifier belongs to. */
    GtidSet.Flavour flavour();

    /** The canonical server syntax, which {@link #parse} reads back. */
    @Override
    String toString();

    /** Parses either flavour, telling them apart by the ':' every MySQL GTID has and no MariaDB GTID has. */
    static Gtid parse(String text) {
        return GtidText.looksLikeMySql(text) ? MySql.parse(text) : MariaDb.parse(text);
    }

    /**
     * A MySQL GTID. {@code tag} is {@code ""} when untagged, else lower case (tags are case-insensitive).
     * {@code sequence} (the manual's GNO) is in {@code [1, 2^63 - 2]}.
     */
    record MySql(UUID sourceId, String tag, long sequence) implements Gtid {
        public MySql {
            if (sourceId == null || tag == null) {
                throw new NullPointerException("sourceId and tag must not be null (use \"\" for no tag)");
            }
            if (sequence < 1 || sequence > GtidText.MYSQL_MAX_SEQUENCE) {
                throw new IllegalArgumentException("MySQL GTID sequence out of range [1, 2^63-2]: " + sequence);
            }
            if (!tag.isEmpty()) {
                GtidText cursor = new GtidText(tag);
                String normalised = cursor.readTag();
                if (!cursor.atEnd()) {
                    throw cursor.error("not a valid GTID tag");
                }
                tag = normalised;
            }
        }

        /** An untagged GTID. */
        public MySql(UUID sourceId, long sequence) {
            this(sourceId, "", sequence);
        }

        public static MySql parse(String text) {
            GtidText in = new GtidText(text);
            in.skipWhitespace();
            in.readUuid();
            UUID uuid = new UUID(in.uuidHi, in.uuidLo);
            in.skipWhitespace();
            in.expect(':', "after the source UUID");
            in.skipWhitespace();
            String tag = "";
            if (GtidText.isTagStart(in.peek())) {
                tag = in.readTag();
                in.skipWhitespace();
                in.expect(':', "after the tag");
                in.skipWhitespace();
            }
            long sequence = in.readNumber("sequence number", 1, GtidText.MYSQL_MAX_SEQUENCE);
            in.skipWhitespace();
            if (!in.atEnd()) {
                throw in.error("unexpected text after a single GTID (use GtidSet for intervals)");
            }
            return new MySql(uuid, tag, sequence);
        }

        public boolean isTagged() {
            return !tag.isEmpty();
        }

        @Override
        public GtidSet.Flavour flavour() {
            return GtidSet.Flavour.MYSQL;
        }

        @Override
        public String toString() {
            StringBuilder out = new StringBuilder(64);
            GtidText.appendUuid(out, sourceId.getMostSignificantBits(), sourceId.getLeastSignificantBits());
            if (!tag.isEmpty()) {
                out.append(':').append(tag);
            }
            return out.append(':').append(sequence).toString();
        }
    }

    /**
     * A MariaDB GTID. {@code domainId} and {@code serverId} are unsigned 32-bit, held in a {@code long};
     * {@code sequence} is unsigned 64-bit, held in the bits of a {@code long} (compare it with
     * {@link Long#compareUnsigned}).
     */
    record MariaDb(long domainId, long serverId, long sequence) implements Gtid {
        public MariaDb {
            if (domainId < 0 || domainId > GtidText.MAX_UINT32) {
                throw new IllegalArgumentException("MariaDB domain id out of unsigned 32-bit range: " + domainId);
            }
            if (serverId < 0 || serverId > GtidText.MAX_UINT32) {
                throw new IllegalArgumentException("MariaDB server id out of unsigned 32-bit range: " + serverId);
            }
        }

        public static MariaDb parse(String text) {
            GtidText in = new GtidText(text);
            in.skipWhitespace();
            MariaDb gtid = read(in);
            in.skipWhitespace();
            if (!in.atEnd()) {
                throw in.error("unexpected text after a single GTID");
            }
            return gtid;
        }

        /** Reads {@code domain-server-seq} at the cursor; no whitespace inside. */
        static MariaDb read(GtidText in) {
            long domain = in.readNumber("domain id", 0, GtidText.MAX_UINT32);
            in.expect('-', "after the domain id");
            long server = in.readNumber("server id", 0, GtidText.MAX_UINT32);
            in.expect('-', "after the server id");
            long sequence = in.readUnsigned64("sequence number");
            return new MariaDb(domain, server, sequence);
        }

        @Override
        public GtidSet.Flavour flavour() {
            return GtidSet.Flavour.MARIADB;
        }

        @Override
        public String toString() {
            return domainId + "-" + serverId + "-" + Long.toUnsignedString(sequence);
        }
    }
}
