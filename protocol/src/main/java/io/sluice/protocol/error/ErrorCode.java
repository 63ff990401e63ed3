package io.sluice.protocol.error;

/**
 * The catalogue of MySQL errors that Sluice itself emits: code, SQLSTATE and message template, as the server
 * would write them (see the MySQL "Server Error Message Reference"). Only codes Sluice uses; errors a backend
 * sends are relayed untouched and never pass through here.
 */
public enum ErrorCode {
    /** ER_CON_COUNT_ERROR: the proxy's {@code max_connections} is reached. */
    TOO_MANY_CONNECTIONS(1040, "08004", "Too many connections"),
    /** ER_HANDSHAKE_ERROR: the handshake response could not be understood. */
    BAD_HANDSHAKE(1043, "08S01", "Bad handshake"),
    /** ER_ACCESS_DENIED_ERROR. */
    ACCESS_DENIED(1045, "28000", "Access denied for user '%s'@'%s' (using password: %s)"),
    /** ER_UNKNOWN_COM_ERROR. */
    UNKNOWN_COMMAND(1047, "08S01", "Unknown command"),
    /** ER_SERVER_SHUTDOWN. */
    SERVER_SHUTDOWN(1053, "08S01", "Server shutdown in progress"),
    /** ER_NO_SUCH_THREAD: KILL of a connection id Sluice does not know. */
    NO_SUCH_THREAD(1094, "HY000", "Unknown thread id: %d"),
    /** ER_KILL_DENIED_ERROR. */
    KILL_DENIED(1095, "HY000", "You are not owner of thread %d"),
    /** ER_PARSE_ERROR: a statement the admin interface does not know; the message lists the ones it does. */
    SYNTAX_ERROR(1064, "42000", "You have an error in your SQL syntax; %s"),
    /** ER_EMPTY_QUERY: a statement with nothing but comments and separators. */
    EMPTY_QUERY(1065, "42000", "Query was empty"),
    /** ER_WRONG_ARGUMENTS: an admin command naming something that does not exist (a backend). */
    WRONG_ARGUMENTS(1210, "HY000", "Incorrect arguments to %s"),
    /**
     * ER_WRONG_USAGE: an admin command that does not fit the state it finds, e.g. {@code FAILOVER} while the source
     * answers, or while another failover runs.
     */
    WRONG_USAGE(1221, "HY000", "Incorrect usage of %s and %s"),
    /** ER_NOT_SUPPORTED_YET: an admin command planned but not built yet. */
    NOT_SUPPORTED_YET(1235, "42000", "This version of Sluice doesn't yet support '%s'"),
    /** ER_NET_PACKET_TOO_LARGE: a client packet beyond {@code max_allowed_packet}. */
    PACKET_TOO_LARGE(1153, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes"),
    /** ER_NET_READ_ERROR_FROM_PIPE is not used; ER_NET_PACKETS_OUT_OF_ORDER is. */
    PACKETS_OUT_OF_ORDER(1156, "08S01", "Got packets out of order"),
    /** ER_NET_READ_INTERRUPTED: a client that stops in the middle of a packet. */
    READ_TIMEOUT(1159, "08S01", "Got timeout reading communication packets"),
    /**
     * Sluice's own (no server code fits): a failover lost writes this session had been told were committed; its
     * next read gets this instead of data silently missing them ({@code failover.lost_write: error}).
     */
    LOST_WRITE(9101, "HY000", "Sluice: the failover from '%s' to '%s' lost this session's acknowledged write(s) %s;"
            + " they are not on any surviving server, and reads will not see them"),
    /** ER_WRONG_VALUE_FOR_VAR: {@code SET sluice_consistency} / {@code sluice_read_after} to a value they cannot take. */
    WRONG_VALUE_FOR_VAR(1231, "42000", "Variable '%s' can't be set to the value of '%s'"),
    /** ER_QUERY_INTERRUPTED: the statement was killed. */
    QUERY_INTERRUPTED(1317, "70100", "Query execution was interrupted"),
    /** ER_MALFORMED_PACKET. */
    MALFORMED_PACKET(1835, "HY000", "Malformed communication packet"),
    /** ER_NOT_SUPPORTED_AUTH_MODE: a client that offers no plugin Sluice can verify. */
    AUTH_MODE_NOT_SUPPORTED(1251, "08004",
            "Client does not support authentication protocol requested by server; consider upgrading MySQL client"),
    /** CR_SERVER_LOST (client-side code, used as MySQL clients expect when a backend vanishes mid-statement). */
    BACKEND_LOST(2013, "HY000", "Lost connection to backend server during query (%s)"),
    /** CR_CONN_HOST_ERROR-like: no backend could be reached to serve the session. */
    BACKEND_UNAVAILABLE(2003, "HY000", "Sluice cannot reach a backend server: %s"),
    /** ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION: a write (or a pin) inside a READ ONLY transaction on a replica. */
    READ_ONLY_TRANSACTION(1792, "25006", "Cannot execute statement in a READ ONLY transaction. %s"),
    /** ER_SECURE_TRANSPORT_REQUIRED-like: caching_sha2 full authentication needs TLS or RSA. */
    SECURE_TRANSPORT_REQUIRED(3159, "HY000", "Connections using insecure transport are prohibited while --require_secure_transport=ON.");

    private final int code;
    private final String sqlState;
    private final String template;

    ErrorCode(int code, String sqlState, String template) {
        this.code = code;
        this.sqlState = sqlState;
        this.template = template;
    }

    public int code() {
        return code;
    }

    public String sqlState() {
        return sqlState;
    }

    public String template() {
        return template;
    }

    /** The message with the template's arguments filled in. */
    public String format(Object... args) {
        // Decide by the template, not by the arguments: a caller that forgets them must fail here, not send "%d".
        return template.indexOf('%') < 0 ? template : String.format(template, args);
    }
}
