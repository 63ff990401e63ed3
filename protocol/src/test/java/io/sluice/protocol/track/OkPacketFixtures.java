package io.sluice.protocol.track;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import java.util.HexFormat;

/**
 * OK packets carrying session state, one per text block: whole packets, 4-byte packet header included, annotated field
 * by field. {@code #} starts a comment; whitespace is ignored.
 *
 * <p>The MariaDB packets are REAL bytes, captured on 2026-11-22 from MariaDB 10.11.19-MariaDB-0+deb12u1 (Debian 12)
 * started with {@code --no-defaults --log-bin --server-id=1}, by a raw-socket client that negotiated
 * {@code CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH | CLIENT_TRANSACTIONS |
 * CLIENT_MULTI_RESULTS | CLIENT_SESSION_TRACK} (not {@code CLIENT_DEPRECATE_EOF}) and ran the statements named.
 *
 * <p>The MySQL packets are BUILT BY HAND from the documented layout (MySQL manual, OK_Packet and "Server Tracking of
 * Client Session State"; WL#6128 for the GTIDs tracker's encoding byte): no MySQL server is installed where they were
 * written. Replace them with captures when the integration fixture has a MySQL 8.4.
 */
final class OkPacketFixtures {
    private OkPacketFixtures() {
    }

    // ------------------------------------------------------------------ MariaDB 10.11, captured

    /** {@code INSERT INTO t (v) VALUES (1)} in autocommit, with {@code session_track_system_variables='last_gtid'}. */
    static final String MARIADB_INSERT_LAST_GTID = """
            1b 00 00 01      # packet: payload length 27, sequence id 1
            00               # header: OK
            01               # affected rows: 1
            01               # last insert id: 1
            02 40            # status: 0x4002 = SERVER_STATUS_AUTOCOMMIT | SERVER_SESSION_STATE_CHANGED
            00 00            # warnings: 0
            00               # info: "" (present because CLIENT_SESSION_TRACK)
            12               # session state info: 18 bytes
              00             #   type 0 SESSION_TRACK_SYSTEM_VARIABLES
              10             #   data: 16 bytes
                09 6c 61 73 74 5f 67 74 69 64   # name  "last_gtid"
                05 30 2d 31 2d 33               # value "0-1-3"
            """;

    /** {@code COMMIT} after {@code BEGIN; INSERT …}: the GTID arrives with the commit, not with the insert. */
    static final String MARIADB_COMMIT_LAST_GTID = """
            1b 00 00 01      # packet: payload length 27, sequence id 1
            00               # header: OK
            00               # affected rows: 0
            00               # last insert id: 0
            02 40            # status: 0x4002 = AUTOCOMMIT | SESSION_STATE_CHANGED (the transaction has ended)
            00 00            # warnings: 0
            00               # info: ""
            12               # session state info: 18 bytes
              00             #   type 0 SESSION_TRACK_SYSTEM_VARIABLES
              10             #   data: 16 bytes
                09 6c 61 73 74 5f 67 74 69 64   # name  "last_gtid"
                05 30 2d 31 2d 34               # value "0-1-4"
            """;

    /** {@code USE sluice} (a COM_QUERY), with {@code session_track_state_change=ON}. */
    static final String MARIADB_USE_SCHEMA = """
            15 00 00 01      # packet: payload length 21, sequence id 1
            00               # header: OK
            00               # affected rows: 0
            00               # last insert id: 0
            02 40            # status: 0x4002 = AUTOCOMMIT | SESSION_STATE_CHANGED
            00 00            # warnings: 0
            00               # info: ""
            0c               # session state info: 12 bytes
              01             #   type 1 SESSION_TRACK_SCHEMA
              07             #   data: 7 bytes
                06 73 6c 75 69 63 65            # schema "sluice" (a lenenc string inside the lenenc data)
              02             #   type 2 SESSION_TRACK_STATE_CHANGE
              01             #   data: 1 byte
                31                              # '1', bare: no inner length for this type
            """;

    /** {@code COM_INIT_DB mysql}: the same tracker output as a {@code USE}. */
    static final String MARIADB_INIT_DB = """
            14 00 00 01      # packet: payload length 20, sequence id 1
            00 00 00         # header OK, affected rows 0, last insert id 0
            02 40            # status: 0x4002
            00 00            # warnings: 0
            00               # info: ""
            0b               # session state info: 11 bytes
              01 06          #   type 1 SESSION_TRACK_SCHEMA, data: 6 bytes
                05 6d 79 73 71 6c               # schema "mysql"
              02 01 31       #   type 2 SESSION_TRACK_STATE_CHANGE, data: "1"
            """;

    /** {@code START TRANSACTION READ ONLY} with {@code session_track_transaction_info=CHARACTERISTICS}. */
    static final String MARIADB_START_TRANSACTION_READ_ONLY = """
            33 00 00 01      # packet: payload length 51, sequence id 1
            00 00 00         # header OK, affected rows 0, last insert id 0
            03 60            # status: 0x6003 = IN_TRANS | AUTOCOMMIT | IN_TRANS_READONLY | SESSION_STATE_CHANGED
            00 00            # warnings: 0
            00               # info: ""
            2a               # session state info: 42 bytes
              05             #   type 5 SESSION_TRACK_TRANSACTION_STATE
              09             #   data: 9 bytes
                08 54 5f 5f 5f 5f 5f 5f 5f      # "T_______": explicit transaction, nothing read or written yet
              04             #   type 4 SESSION_TRACK_TRANSACTION_CHARACTERISTICS
              1d             #   data: 29 bytes
                1c 53 54 41 52 54 20 54 52 41 4e 53 41 43 54 49 4f 4e 20 52 45 41 44 20 4f 4e 4c 59 3b
                                                # "START TRANSACTION READ ONLY;"
            """;

    /** {@code SET session_track_transaction_info=CHARACTERISTICS} (state change tracking also on). */
    static final String MARIADB_TRANSACTION_INFO_ENABLED = """
            1a 00 00 01      # packet: payload length 26, sequence id 1
            00 00 00         # header OK, affected rows 0, last insert id 0
            02 40            # status: 0x4002
            00 00            # warnings: 0
            00               # info: ""
            11               # session state info: 17 bytes
              02 01 31       #   type 2 SESSION_TRACK_STATE_CHANGE, data: "1"
              05 09          #   type 5 SESSION_TRACK_TRANSACTION_STATE, data: 9 bytes
                08 5f 5f 5f 5f 5f 5f 5f 5f      # "________": no transaction
              04 01          #   type 4 SESSION_TRACK_TRANSACTION_CHARACTERISTICS, data: 1 byte
                00                              # "": no characteristics
            """;

    /**
     * {@code SET autocommit=0, time_zone='+02:00'} with
     * {@code session_track_system_variables='last_gtid,autocommit,time_zone'}: one entry per variable.
     */
    static final String MARIADB_TWO_VARIABLES = """
            2d 00 00 01      # packet: payload length 45, sequence id 1
            00 00 00         # header OK, affected rows 0, last insert id 0
            00 40            # status: 0x4000 = SESSION_STATE_CHANGED (autocommit now off)
            00 00            # warnings: 0
            00               # info: ""
            24               # session state info: 36 bytes
              00 0f          #   type 0 SESSION_TRACK_SYSTEM_VARIABLES, data: 15 bytes
                0a 61 75 74 6f 63 6f 6d 6d 69 74   # name  "autocommit"
                03 4f 46 46                        # value "OFF"
              00 11          #   type 0 SESSION_TRACK_SYSTEM_VARIABLES, data: 17 bytes
                09 74 69 6d 65 5f 7a 6f 6e 65      # name  "time_zone"
                06 2b 30 32 3a 30 30               # value "+02:00"
            """;

    /** {@code COMMIT} after an INSERT with {@code SET gtid_domain_id=7} and autocommit off. */
    static final String MARIADB_COMMIT_DOMAIN_7 = """
            1b 00 00 01      # packet: payload length 27, sequence id 1
            00 00 00         # header OK, affected rows 0, last insert id 0
            00 40            # status: 0x4000 = SESSION_STATE_CHANGED (no AUTOCOMMIT)
            00 00            # warnings: 0
            00               # info: ""
            12               # session state info: 18 bytes
              00 10          #   type 0 SESSION_TRACK_SYSTEM_VARIABLES, data: 16 bytes
                09 6c 61 73 74 5f 67 74 69 64   # name  "last_gtid"
                05 37 2d 31 2d 31               # value "7-1-1"
            """;

    /** {@code BEGIN}: nothing tracked changed, so no SESSION_STATE_CHANGED and no session state info. */
    static final String MARIADB_BEGIN_NO_CHANGE = """
            07 00 00 01      # packet: payload length 7, sequence id 1
            00 00 00         # header OK, affected rows 0, last insert id 0
            03 00            # status: 0x0003 = IN_TRANS | AUTOCOMMIT
            00 00            # warnings: 0
            """;

    // ------------------------------------------------------------------ MySQL 8.x, built by hand from the manual

    /**
     * BUILT BY HAND (no MySQL here): {@code INSERT} in autocommit with {@code session_track_gtids=OWN_GTID}, as the
     * manual and WL#6128 describe the GTIDs tracker: type 3, data = encoding specification byte 0, then the GTID text
     * as a lenenc string.
     */
    static final String MYSQL_INSERT_OWN_GTID = """
            34 00 00 01      # packet: payload length 52, sequence id 1
            00 01 00         # header OK, affected rows 1, last insert id 0
            02 40            # status: 0x4002 = AUTOCOMMIT | SESSION_STATE_CHANGED
            00 00            # warnings: 0
            00               # info: ""
            2b               # session state info: 43 bytes
              03             #   type 3 SESSION_TRACK_GTIDS
              29             #   data: 41 bytes
                00           #     encoding specification: 0, text
                27           #     GTIDs: 39 bytes, "3e11fa47-71ca-11e1-9e33-c80aa9429562:23"
                33 65 31 31 66 61 34 37 2d 37 31 63 61 2d 31 31 65 31 2d 39 65 33 33 2d
                63 38 30 61 61 39 34 32 39 35 36 32 3a 32 33
            """;

    /**
     * BUILT BY HAND (no MySQL here): an {@code UPDATE} on MySQL 8.4 under {@code gtid_next='AUTOMATIC:etl'} with
     * {@code session_track_gtids=OWN_GTID}: a tagged GTID, after a non-empty info string.
     */
    static final String MYSQL_UPDATE_TAGGED_OWN_GTID = """
            5f 00 00 01      # packet: payload length 95, sequence id 1
            00 01 00         # header OK, affected rows 1, last insert id 0
            02 40            # status: 0x4002
            00 00            # warnings: 0
            28               # info: 40 bytes, "Rows matched: 1  Changed: 1  Warnings: 0"
              52 6f 77 73 20 6d 61 74 63 68 65 64 3a 20 31 20 20 43 68 61 6e 67 65 64 3a 20 31 20 20
              57 61 72 6e 69 6e 67 73 3a 20 30
            2e               # session state info: 46 bytes
              03             #   type 3 SESSION_TRACK_GTIDS
              2c             #   data: 44 bytes
                00           #     encoding specification: 0, text
                2a           #     GTIDs: 42 bytes, "3e11fa47-71ca-11e1-9e33-c80aa9429562:etl:5"
                33 65 31 31 66 61 34 37 2d 37 31 63 61 2d 31 31 65 31 2d 39 65 33 33 2d
                63 38 30 61 61 39 34 32 39 35 36 32 3a 65 74 6c 3a 35
            """;

    /** BUILT BY HAND (no MySQL here): {@code SET session_track_gtids='OWN_GTID'} reports its own assignment. */
    static final String MYSQL_SET_TRACK_GTIDS = """
            28 00 00 01      # packet: payload length 40, sequence id 1
            00 00 00         # header OK, affected rows 0, last insert id 0
            02 40            # status: 0x4002
            00 00            # warnings: 0
            00               # info: ""
            1f               # session state info: 31 bytes
              00 1d          #   type 0 SESSION_TRACK_SYSTEM_VARIABLES, data: 29 bytes
                13 73 65 73 73 69 6f 6e 5f 74 72 61 63 6b 5f 67 74 69 64 73   # "session_track_gtids"
                08 4f 57 4e 5f 47 54 49 44                                    # "OWN_GTID"
            """;

    // ------------------------------------------------------------------ reading them

    /** The annotated hex as bytes. */
    static byte[] bytes(String annotated) {
        StringBuilder hex = new StringBuilder();
        for (String line : annotated.split("\n")) {
            int comment = line.indexOf('#');
            hex.append((comment >= 0 ? line.substring(0, comment) : line).replaceAll("\\s+", ""));
        }
        return HexFormat.of().parseHex(hex);
    }

    /** An OK packet's fields, as far as this package's tests need them; {@code stateInfo} is a slice of the packet. */
    record Ok(int sequenceId, long affectedRows, long lastInsertId, int status, int warnings, String info,
              ByteBuf stateInfo) {
        static final int SERVER_SESSION_STATE_CHANGED = 0x4000;

        /** Walks a whole packet, header included, with {@code CLIENT_SESSION_TRACK} negotiated. */
        static Ok read(ByteBuf packet) {
            int length = packet.readUnsignedMediumLE();
            int sequenceId = packet.readUnsignedByte();
            assertThat(packet.readableBytes()).as("payload length in the packet header").isEqualTo(length);
            assertThat((int) packet.readUnsignedByte()).as("OK header").isEqualTo(0x00);
            long affectedRows = LengthEncoded.readInt(packet, "affected rows");
            long lastInsertId = LengthEncoded.readInt(packet, "last insert id");
            int status = packet.readUnsignedShortLE();
            int warnings = packet.readUnsignedShortLE();
            String info = packet.isReadable() ? LengthEncoded.readString(packet, "info") : "";
            ByteBuf stateInfo = null;
            if ((status & SERVER_SESSION_STATE_CHANGED) != 0) {
                stateInfo = packet.readSlice(LengthEncoded.readLength(packet, "session state info"));
            }
            assertThat(packet.isReadable()).as("bytes after the OK packet's last field").isFalse();
            return new Ok(sequenceId, affectedRows, lastInsertId, status, warnings, info, stateInfo);
        }
    }
}
