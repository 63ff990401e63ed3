package io.sluice.protocol;

/**
 * A set of capability flags, as exchanged in the handshake, with named predicates so the rest of the code never
 * spreads bit masks around.
 *
 * <p>The lower 32 bits are MySQL's flags. MariaDB reuses bit 0 ({@code CLIENT_LONG_PASSWORD}, which MariaDB calls
 * {@code CLIENT_MYSQL}) to say "no MariaDB extended capabilities": when a MariaDB server clears it, 4 more bytes of
 * extended flags travel in the handshake's filler. Sluice always sets bit 0 and announces no extended flags, so that
 * neither side uses MariaDB-only commands (bulk execute, metadata caching) that it would have to translate.
 *
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/group__group__cs__capabilities__flags.html">Capabilities flags</a>
 */
public record Capability(long bits) {
    public static final long LONG_PASSWORD = 1L;
    public static final long FOUND_ROWS = 1L << 1;
    public static final long LONG_FLAG = 1L << 2;
    public static final long CONNECT_WITH_DB = 1L << 3;
    public static final long NO_SCHEMA = 1L << 4;
    public static final long COMPRESS = 1L << 5;
    public static final long ODBC = 1L << 6;
    public static final long LOCAL_FILES = 1L << 7;
    public static final long IGNORE_SPACE = 1L << 8;
    public static final long PROTOCOL_41 = 1L << 9;
    public static final long INTERACTIVE = 1L << 10;
    public static final long SSL = 1L << 11;
    public static final long IGNORE_SIGPIPE = 1L << 12;
    public static final long TRANSACTIONS = 1L << 13;
    public static final long RESERVED = 1L << 14;
    public static final long SECURE_CONNECTION = 1L << 15;
    public static final long MULTI_STATEMENTS = 1L << 16;
    public static final long MULTI_RESULTS = 1L << 17;
    public static final long PS_MULTI_RESULTS = 1L << 18;
    public static final long PLUGIN_AUTH = 1L << 19;
    public static final long CONNECT_ATTRS = 1L << 20;
    public static final long PLUGIN_AUTH_LENENC_CLIENT_DATA = 1L << 21;
    public static final long CAN_HANDLE_EXPIRED_PASSWORDS = 1L << 22;
    public static final long SESSION_TRACK = 1L << 23;
    public static final long DEPRECATE_EOF = 1L << 24;
    public static final long OPTIONAL_RESULTSET_METADATA = 1L << 25;
    public static final long QUERY_ATTRIBUTES = 1L << 27;

    /**
     * What Sluice can relay faithfully. Deliberately absent: COMPRESS (the relay works on uncompressed frames),
     * OPTIONAL_RESULTSET_METADATA and QUERY_ATTRIBUTES (they change the layout of packets Sluice parses).
     */
    public static final Capability PROXY_SUPPORTED = new Capability(LONG_PASSWORD | FOUND_ROWS | LONG_FLAG
            | CONNECT_WITH_DB | NO_SCHEMA | ODBC | LOCAL_FILES | IGNORE_SPACE | PROTOCOL_41 | INTERACTIVE | SSL
            | IGNORE_SIGPIPE | TRANSACTIONS | RESERVED | SECURE_CONNECTION | MULTI_STATEMENTS | MULTI_RESULTS
            | PS_MULTI_RESULTS | PLUGIN_AUTH | CONNECT_ATTRS | PLUGIN_AUTH_LENENC_CLIENT_DATA
            | CAN_HANDLE_EXPIRED_PASSWORDS | SESSION_TRACK | DEPRECATE_EOF);

    public boolean has(long flag) {
        return (bits & flag) == flag;
    }

    public Capability with(long flag) {
        return new Capability(bits | flag);
    }

    public Capability without(long flag) {
        return new Capability(bits & ~flag);
    }

    public Capability and(Capability other) {
        return new Capability(bits & other.bits);
    }

    public int lower16() {
        return (int) (bits & 0xFFFF);
    }

    public int upper16() {
        return (int) ((bits >>> 16) & 0xFFFF);
    }

    public boolean protocol41() {
        return has(PROTOCOL_41);
    }

    public boolean ssl() {
        return has(SSL);
    }

    public boolean deprecateEof() {
        return has(DEPRECATE_EOF);
    }

    public boolean sessionTrack() {
        return has(SESSION_TRACK);
    }

    public boolean pluginAuth() {
        return has(PLUGIN_AUTH);
    }

    public boolean connectWithDb() {
        return has(CONNECT_WITH_DB);
    }

    public boolean connectAttrs() {
        return has(CONNECT_ATTRS);
    }

    public boolean lenencAuthData() {
        return has(PLUGIN_AUTH_LENENC_CLIENT_DATA);
    }

    public boolean secureConnection() {
        return has(SECURE_CONNECTION);
    }

    public boolean localFiles() {
        return has(LOCAL_FILES);
    }

    @Override
    public String toString() {
        return "Capability[0x" + Long.toHexString(bits) + "]";
    }
}
