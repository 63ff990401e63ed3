package io.sluice.proxy.gtid;

import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventData;
import com.github.shyiko.mysql.binlog.event.EventHeader;
import com.github.shyiko.mysql.binlog.event.EventHeaderV4;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.GtidEventData;
import com.github.shyiko.mysql.binlog.event.MariadbGtidEventData;
import com.github.shyiko.mysql.binlog.event.MySqlGtid;
import com.github.shyiko.mysql.binlog.event.QueryEventData;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.NullEventDataDeserializer;
import io.sluice.protocol.gtid.Gtid;

/**
 * Finds, in one binlog stream, the event with which each transaction is complete, and names its GTID. The stream's
 * events are fed in order to {@link #accept}; it returns the GTID of the transaction the event completes, or null.
 *
 * <p>A transaction ("event group") starts with a GTID event and ends:
 * <ul>
 *   <li><b>MariaDB</b> ({@code MARIADB_GTID}, 0xA2): the GTID event stands in for {@code BEGIN}. With the
 *       {@code FL_STANDALONE} flag the group is one statement with no terminator (DDL, {@code XA COMMIT}): it ends with
 *       its Query event. Otherwise it ends with an {@code XID} event (transactional engines), a Query {@code COMMIT}
 *       (non-transactional engines such as Aria), a Query {@code ROLLBACK} (a rolled-back transaction that changed a
 *       non-transactional table, which still consumes its GTID), or an {@code XA_PREPARE} event (the prepared half of an
 *       XA transaction has its own GTID). Other Query events inside a group (statement-based DML,
 *       the {@code CREATE TABLE} of a {@code CREATE ... SELECT}, which carries {@code FL_DDL} but not
 *       {@code FL_STANDALONE}) do not end it.</li>
 *   <li><b>MySQL</b> ({@code GTID}, 33): since 8.0.2 the GTID event carries the transaction's length in bytes, so the
 *       group ends with the event whose end position is the GTID event's position plus that length; this needs no
 *       guessing from SQL text, and covers compressed transactions ({@code TRANSACTION_PAYLOAD}). Without a length
 *       (5.7) the structure decides: {@code BEGIN} (or {@code XA START}, or the {@code CREATE ... START TRANSACTION} of
 *       an atomic {@code CREATE ... SELECT}) opens a transaction, which {@code XID}, {@code XA_PREPARE}, Query
 *       {@code COMMIT} or {@code ROLLBACK} closes; any other Query outside a transaction is a DDL and is the whole
 *       group.</li>
 * </ul>
 * A GTID event that arrives while a group is still open closes it: the server wrote the whole previous group before
 * starting the next, so counting it there is late but never early. That is the safety net should a terminator not
 * be recognised.
 *
 * <p>Counting at the commit event, not at the GTID event, matters: a reader sent to a server as soon as the GTID event
 * arrives could run before the transaction's rows are in that server's binlog, let alone applied.
 *
 * <p>Note the library leaves {@link MariadbGtidEventData#getServerId()} at 0 (the event body has no server id); the
 * server id of a MariaDB GTID is the event header's.
 *
 * <p>Confined to the thread reading the stream. {@link #reset} after a reconnect.
 *
 * @see <a href="https://mariadb.com/kb/en/gtid_event/">MariaDB: GTID_EVENT and its flags</a>
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Gtid__event.html">
 *     MySQL: Gtid_event</a>
 */
final class CommitDetector {
    /** MariaDB {@code Gtid_log_event::FL_STANDALONE}: the group has no terminating COMMIT/XID event. */
    static final int MARIADB_FL_STANDALONE = 1;
    private static final long UINT32 = 0xFFFF_FFFFL;

    private Gtid pending;
    /** MariaDB: the pending group is standalone. */
    private boolean standalone;
    /** MySQL: the binlog position at which the pending group ends, or -1 when the GTID event gave no length. */
    private long end = -1;
    /** MySQL without a length: inside BEGIN ... COMMIT. */
    private boolean inTransaction;

    /**
     * An event deserializer that decodes only what {@link #accept} reads (GTID and Query events, and what the library
     * itself needs: format description, rotate, table map, transaction payload), and skips row images, which are most of
     * a busy binlog's bytes. Skipping them also avoids failing on column types the library cannot decode.
     */
    static EventDeserializer eventDeserializer() {
        EventDeserializer d = new EventDeserializer();
        NullEventDataDeserializer skip = new NullEventDataDeserializer();
        for (EventType t : new EventType[] {EventType.WRITE_ROWS, EventType.UPDATE_ROWS, EventType.DELETE_ROWS,
                EventType.EXT_WRITE_ROWS, EventType.EXT_UPDATE_ROWS, EventType.EXT_DELETE_ROWS,
                EventType.PARTIAL_UPDATE_ROWS_EVENT, EventType.ROWS_QUERY, EventType.ANNOTATE_ROWS, EventType.INTVAR,
                EventType.XID, EventType.XA_PREPARE, EventType.PREVIOUS_GTIDS, EventType.MARIADB_GTID_LIST,
                EventType.BINLOG_CHECKPOINT}) {
            d.setEventDataDeserializer(t, skip);
        }
        // TABLE_MAP is decoded by the library whatever we set (its row decoding depends on it), and TRANSACTION_PAYLOAD
        // must keep its decoder: the library casts its result without a null check.
        return d;
    }

    /** Forgets any open group: after a reconnect the stream restarts at a group boundary. */
    void reset() {
        pending = null;
        standalone = false;
        end = -1;
        inTransaction = false;
    }

    /** The GTID of the transaction that {@code event} completes, or null. */
    Gtid accept(Event event) {
        EventHeader header = event.getHeader();
        EventType type = header.getEventType();
        if (type == null) {
            return null;
        }
        switch (type) {
            case MARIADB_GTID:
                return startMariaDb(header, (MariadbGtidEventData) unwrap(event.getData()));
            case GTID:
                return startMySql(header, (GtidEventData) unwrap(event.getData()));
            case ANONYMOUS_GTID:
                // A transaction without GTID starts: whatever was open is over, and this one is not ours to count.
                return complete();
            default:
                break;
        }
        if (pending == null) {
            return null;
        }
        if (end > 0) {
            long next = header instanceof EventHeaderV4 v4 ? v4.getNextPosition() : 0;
            return type != EventType.HEARTBEAT && next > 0 && next >= end ? complete() : null;
        }
        switch (type) {
            case XID:
            case XA_PREPARE:
            case TRANSACTION_PAYLOAD:
                return complete();
            case QUERY:
                return query(event.getData());
            default:
                return null;
        }
    }

    private Gtid startMariaDb(EventHeader header, MariadbGtidEventData data) {
        Gtid previous = complete();
        if (data != null) {
            pending = new Gtid.MariaDb(data.getDomainId() & UINT32, header.getServerId() & UINT32, data.getSequence());
            standalone = (data.getFlags() & MARIADB_FL_STANDALONE) != 0;
        }
        return previous;
    }

    private Gtid startMySql(EventHeader header, GtidEventData data) {
        Gtid previous = complete();
        if (data != null) {
            MySqlGtid g = data.getMySqlGtid();
            pending = new Gtid.MySql(g.getServerId(), g.getTransactionId());
            long length = data.getTransactionLength();
            end = length > 0 && header instanceof EventHeaderV4 v4 ? v4.getPosition() + length : -1;
        }
        return previous;
    }

    /** In the library's GTID mode (MySQL here) GTID and Query data may come wrapped with the library's own copy. */
    private static EventData unwrap(EventData data) {
        return EventDeserializer.EventDataWrapper.internal(data);
    }

    private Gtid query(EventData data) {
        EventData inner = unwrap(data);
        String sql = inner instanceof QueryEventData q && q.getSql() != null ? q.getSql().strip() : "";
        if (pending instanceof Gtid.MariaDb) {
            return standalone || isEnd(sql) ? complete() : null;
        }
        if (isEnd(sql)) {
            return complete();
        }
        if (inTransaction) {
            return null;
        }
        if (opensTransaction(sql)) {
            inTransaction = true;
            return null;
        }
        return complete();
    }

    /** Exactly COMMIT or ROLLBACK: {@code ROLLBACK TO SAVEPOINT} is logged inside a transaction and does not end it. */
    private static boolean isEnd(String sql) {
        return sql.equalsIgnoreCase("COMMIT") || sql.equalsIgnoreCase("ROLLBACK");
    }

    private static boolean opensTransaction(String sql) {
        return sql.equalsIgnoreCase("BEGIN")
                || sql.regionMatches(true, 0, "XA START", 0, 8)
                || sql.regionMatches(true, sql.length() - 17, "START TRANSACTION", 0, 17);
    }

    private Gtid complete() {
        Gtid done = pending;
        pending = null;
        standalone = false;
        end = -1;
        inTransaction = false;
        return done;
    }
}
