package io.sluice.proxy.gtid;

import com.github.shyiko.mysql.binlog.BinaryLogFileReader;
import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventData;
import com.github.shyiko.mysql.binlog.event.EventHeaderV4;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.GtidEventData;
import com.github.shyiko.mysql.binlog.event.MySqlGtid;
import com.github.shyiko.mysql.binlog.event.QueryEventData;
import io.sluice.protocol.gtid.Gtid;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Where {@link CommitDetector} counts each transaction, on a real MariaDB binlog and on MySQL-shaped event groups. */
class CommitDetectorTest {

    /**
     * {@code mariadb-10.11-binlog.000001} was written by a MariaDB 10.11.19 sandbox source (server id 1, ROW format,
     * CRC32 checksums) running, in this order (domain 0 unless said otherwise):
     * <pre>
     * seq  statement(s)                                      group as logged (flags of the GTID event)   ends at (end_log_pos)
     * 1    CREATE DATABASE gt                                GTID standalone+ddl, Query                  Query       450
     * 2    CREATE TABLE gt.t (...) ENGINE=InnoDB             GTID standalone+ddl, Query                  Query       616
     * 3    INSERT INTO gt.t VALUES (1)                       GTID trans, Annotate, Table_map, Write, Xid Xid         819
     * 4    CREATE TABLE gt.a (id INT) ENGINE=Aria            GTID standalone+ddl, Query                  Query      971
     * 5    INSERT INTO gt.a VALUES (1)          (Aria)       GTID, Annotate, Table_map, Write, COMMIT    Query COMMIT 1212
     * 6    CREATE TABLE gt.c ... AS SELECT ...               GTID ddl (NOT standalone), Query CREATE,
     *                                                        Annotate, Table_map, Write, Xid             Xid        1567
     * 7    BEGIN; INSERT (2); INSERT (3); COMMIT             GTID trans, 2 x (Annotate, Table_map, Write), Xid  1900
     * 8    XA START 'q'; INSERT (4); XA END; XA PREPARE     GTID trans, ..., Query XA END, XA_PREPARE   XA_PREPARE 2193
     * 9    XA COMMIT 'q'                                     GTID standalone+trans, Query XA COMMIT      Query      2320
     * 10   BEGIN; INSERT gt.a (2); INSERT gt.t (5); ROLLBACK GTID, Aria rows, Query COMMIT (the InnoDB row is
     *                                                        rolled back; the Aria row stays, and uses a GTID) 2561
     * 7-1-1 (domain 7) INSERT INTO gt.t VALUES (6)           GTID trans, rows, Xid                       Xid        2764
     * 11   binlog_format=STATEMENT: BEGIN; INSERT (7); COMMIT  GTID trans, Query INSERT, Xid           Xid        2927
     * 12   DROP TABLE gt.c                                   GTID standalone+ddl, Query                  Query      3086
     * </pre>
     * then FLUSH BINARY LOGS (a Rotate event at 3086). Its {@code @@gtid_binlog_pos} was {@code 0-1-12,7-1-1}.
     */
    @Test
    void countsEachMariaDbTransactionAtTheEventThatCompletesIt() throws IOException {
        Map<String, Long> committedAt = new LinkedHashMap<>();
        CommitDetector detector = new CommitDetector();
        try (InputStream in = getClass().getResourceAsStream("mariadb-10.11-binlog.000001");
             BinaryLogFileReader reader = new BinaryLogFileReader(in, CommitDetector.eventDeserializer())) {
            for (Event e; (e = reader.readEvent()) != null; ) {
                Gtid done = detector.accept(e);
                if (done != null) {
                    committedAt.put(done.toString(), ((EventHeaderV4) e.getHeader()).getNextPosition());
                }
            }
        }
        Map<String, Long> expected = new LinkedHashMap<>();
        expected.put("0-1-1", 450L);
        expected.put("0-1-2", 616L);
        expected.put("0-1-3", 819L);
        expected.put("0-1-4", 971L);
        expected.put("0-1-5", 1212L);
        expected.put("0-1-6", 1567L);
        expected.put("0-1-7", 1900L);
        expected.put("0-1-8", 2193L);
        expected.put("0-1-9", 2320L);
        expected.put("0-1-10", 2561L);
        expected.put("7-1-1", 2764L);
        expected.put("0-1-11", 2927L);
        expected.put("0-1-12", 3086L);
        assertThat(committedAt).containsExactlyEntriesOf(expected);
    }

    @Test
    void theSkippingDeserializerStillDecodesGtidAndQueryEvents() throws IOException {
        List<EventType> undecoded = new ArrayList<>();
        try (InputStream in = getClass().getResourceAsStream("mariadb-10.11-binlog.000001");
             BinaryLogFileReader reader = new BinaryLogFileReader(in, CommitDetector.eventDeserializer())) {
            for (Event e; (e = reader.readEvent()) != null; ) {
                if (e.getData() == null) {
                    undecoded.add(e.getHeader().getEventType());
                }
            }
        }
        assertThat(undecoded).isNotEmpty().doesNotContain(EventType.MARIADB_GTID, EventType.QUERY,
                EventType.FORMAT_DESCRIPTION, EventType.ROTATE);
        assertThat(undecoded).contains(EventType.WRITE_ROWS, EventType.XID, EventType.ANNOTATE_ROWS);
    }

    // MySQL: no server on this machine (MySqlContainerCluster needs Docker), so the groups are built from the library's
    // own event objects, laid out as MySQL 8.0 writes them; positions are file offsets as in a real binlog.

    private static final UUID SOURCE = UUID.fromString("3e11fa47-71ca-11e1-9e33-c80aa9429562");

    /** Feeds events laid out back to back from {@code start}; returns the GTIDs completed, with the event index. */
    private static final class MySqlStream {
        final CommitDetector detector = new CommitDetector();
        final Map<String, Integer> completedAt = new LinkedHashMap<>();
        long position = 4;
        int index;

        void gtid(long sequence, long transactionLength) {
            feed(EventType.GTID, 79, new GtidEventData(new MySqlGtid(SOURCE, sequence), (byte) 1, 0, 0, 0, 0,
                    transactionLength, 80036, 80036));
        }

        void query(String sql, int length) {
            QueryEventData q = new QueryEventData();
            q.setSql(sql);
            feed(EventType.QUERY, length, q);
        }

        void feed(EventType type, int length, EventData data) {
            EventHeaderV4 h = new EventHeaderV4();
            h.setEventType(type);
            h.setServerId(1);
            h.setEventLength(length);
            position += length;
            h.setNextPosition(position);
            Gtid done = detector.accept(new Event(h, data));
            if (done != null) {
                completedAt.put(done.toString(), index);
            }
            index++;
        }
    }

    @Test
    void mySqlWithTransactionLengthEndsExactlyAtTheLastByteOfTheGroup() {
        MySqlStream s = new MySqlStream();
        // 0: GTID, 1: BEGIN, 2: Table_map, 3: Write_rows, 4: Xid — 79 + 80 + 50 + 40 + 31 bytes.
        s.gtid(1, 79 + 80 + 50 + 40 + 31);
        s.query("BEGIN", 80);
        s.feed(EventType.TABLE_MAP, 50, null);
        s.feed(EventType.EXT_WRITE_ROWS, 40, null);
        s.feed(EventType.XID, 31, null);
        // 5: GTID, 6: the atomic CREATE ... SELECT of 8.0.21+, 7: rows, 8: Xid. The CREATE is not the end.
        s.gtid(2, 79 + 200 + 40 + 31);
        s.query("CREATE TABLE `t2` (`id` int NOT NULL) START TRANSACTION", 200);
        s.feed(EventType.EXT_WRITE_ROWS, 40, null);
        s.feed(EventType.XID, 31, null);
        // 9: GTID, 10: a compressed transaction: everything after the GTID event is one payload.
        s.gtid(3, 79 + 300);
        s.feed(EventType.TRANSACTION_PAYLOAD, 300, null);
        // 11: GTID, 12: DDL.
        s.gtid(4, 79 + 120);
        s.query("CREATE TABLE t3 (id INT)", 120);
        assertThat(s.completedAt).containsExactly(
                Map.entry(SOURCE + ":1", 4), Map.entry(SOURCE + ":2", 8), Map.entry(SOURCE + ":3", 10),
                Map.entry(SOURCE + ":4", 12));
    }

    @Test
    void mySqlWithoutTransactionLengthFollowsTheGroupStructure() {
        MySqlStream s = new MySqlStream();
        s.gtid(1, 0);
        s.query("BEGIN", 80);
        s.query("INSERT INTO t VALUES (1)", 90);      // statement-based DML inside the transaction
        s.query("ROLLBACK TO SAVEPOINT a", 90);       // inside, not an end
        s.feed(EventType.XID, 31, null);              // 4
        s.gtid(2, 0);
        s.query("CREATE TABLE t (id INT)", 100);      // 6: DDL, the whole group
        s.gtid(3, 0);
        s.query("BEGIN", 80);
        s.query("INSERT INTO myisam_t VALUES (1)", 90);
        s.query("COMMIT", 70);                        // 10: non-transactional engine
        s.gtid(4, 0);
        s.query("XA START X'71',X'',1", 90);
        s.feed(EventType.EXT_WRITE_ROWS, 40, null);
        s.query("XA END X'71',X'',1", 90);
        s.feed(EventType.XA_PREPARE, 40, null);       // 15
        s.gtid(5, 0);
        s.query("XA COMMIT X'71',X'',1", 90);         // 17
        assertThat(s.completedAt).containsExactly(
                Map.entry(SOURCE + ":1", 4), Map.entry(SOURCE + ":2", 6), Map.entry(SOURCE + ":3", 10),
                Map.entry(SOURCE + ":4", 15), Map.entry(SOURCE + ":5", 17));
    }

    @Test
    void aGroupWhoseEndWasNotRecognisedIsCountedAtTheNextGtidEvent() {
        MySqlStream s = new MySqlStream();
        s.gtid(1, 0);
        s.query("BEGIN", 80);
        s.feed(EventType.INCIDENT, 30, null);         // not a terminator we know
        s.gtid(2, 0);                                 // 3: closes :1
        assertThat(s.completedAt).containsExactly(Map.entry(SOURCE + ":1", 3));
    }

    @Test
    void resetForgetsAnOpenGroup() {
        MySqlStream s = new MySqlStream();
        s.gtid(1, 0);
        s.query("BEGIN", 80);
        s.detector.reset();
        s.feed(EventType.XID, 31, null);
        assertThat(s.completedAt).isEmpty();
    }
}
