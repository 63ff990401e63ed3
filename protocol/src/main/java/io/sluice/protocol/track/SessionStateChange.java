package io.sluice.protocol.track;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One entry of an OK packet's session state block: {@code int<1> type}, then {@code string<lenenc> data} whose
 * layout depends on the type. Names follow the manual's {@code enum_session_state_type}.
 *
 * <p>Trap: the data is itself a length-encoded string, and for most types its content is again a length-encoded
 * string. {@code USE sluice} on MariaDB 10.11 yields {@code 01 07 06 "sluice"}: type 1, data of 7 bytes, a schema
 * name of 6. {@link StateChange} is the exception: its data is the bare character {@code '1'} ({@code 02 01 31}).
 *
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_ok_packet.html">MySQL: OK_Packet</a>
 */
public sealed interface SessionStateChange {
    int SESSION_TRACK_SYSTEM_VARIABLES = 0;
    int SESSION_TRACK_SCHEMA = 1;
    int SESSION_TRACK_STATE_CHANGE = 2;
    int SESSION_TRACK_GTIDS = 3;
    int SESSION_TRACK_TRANSACTION_CHARACTERISTICS = 4;
    int SESSION_TRACK_TRANSACTION_STATE = 5;

    /** The type byte on the wire. */
    int type();

    /**
     * Type 0: a tracked system variable was assigned (data: {@code string<lenenc> name, string<lenenc> value}).
     * MariaDB reports the GTID of a write this way, as {@code last_gtid} = {@code 0-1-42}, once
     * {@code session_track_system_variables} includes {@code last_gtid}.
     */
    record SystemVariable(String name, String value) implements SessionStateChange {
        public SystemVariable {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public int type() {
            return SESSION_TRACK_SYSTEM_VARIABLES;
        }
    }

    /** Type 1: the default schema changed (data: {@code string<lenenc> schema}). */
    record Schema(String name) implements SessionStateChange {
        public Schema {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public int type() {
            return SESSION_TRACK_SCHEMA;
        }
    }

    /**
     * Type 2: session state that a proxy cannot see (user variables, temporary tables, prepared statements…) changed
     * (data: the single character {@code '1'}, or {@code '0'}, without an inner length).
     */
    record StateChange(boolean changed) implements SessionStateChange {
        @Override
        public int type() {
            return SESSION_TRACK_STATE_CHANGE;
        }
    }

    /**
     * Type 3, MySQL only: GTIDs, per {@code session_track_gtids} (OWN_GTID: those this session committed; ALL_GTIDS:
     * {@code @@gtid_executed}). Data: {@code int<1> encoding specification} (0, the only one defined: text), then
     * {@code string<lenenc>} GTID set text. Entries with another encoding are kept as {@link Unknown}.
     */
    record Gtids(String gtids) implements SessionStateChange {
        /** The one encoding specification the servers define: the GTID set as text. */
        public static final int ENCODING_TEXT = 0;

        public Gtids {
            Objects.requireNonNull(gtids, "gtids");
        }

        @Override
        public int type() {
            return SESSION_TRACK_GTIDS;
        }
    }

    /**
     * Type 4: the statements that would restart the current transaction with its characteristics, e.g.
     * {@code START TRANSACTION READ ONLY;} (data: {@code string<lenenc>}, empty when there are none).
     */
    record TransactionCharacteristics(String statements) implements SessionStateChange {
        public TransactionCharacteristics {
            Objects.requireNonNull(statements, "statements");
        }

        @Override
        public int type() {
            return SESSION_TRACK_TRANSACTION_CHARACTERISTICS;
        }
    }

    /**
     * Type 5: the transaction state as eight flag characters, {@code _} where a flag is clear, e.g. {@code T_______}
     * just after {@code START TRANSACTION} (data: {@code string<lenenc>}).
     */
    record TransactionState(String state) implements SessionStateChange {
        public TransactionState {
            Objects.requireNonNull(state, "state");
        }

        @Override
        public int type() {
            return SESSION_TRACK_TRANSACTION_STATE;
        }
    }

    /** A type this version does not know, or a GTIDs entry in an unknown encoding: the data kept as bytes. */
    record Unknown(int type, byte[] data) implements SessionStateChange {
        public Unknown {
            if (type < 0 || type > 0xFF) {
                throw new IllegalArgumentException("type must fit one byte: " + type);
            }
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Unknown other && type == other.type && Arrays.equals(data, other.data);
        }

        @Override
        public int hashCode() {
            return 31 * type + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Unknown[type=" + type + ", data=" + HexFormat.of().formatHex(data) + "]";
        }
    }
}
