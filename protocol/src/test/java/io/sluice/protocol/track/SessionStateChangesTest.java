package io.sluice.protocol.track;

import static io.sluice.protocol.track.OkPacketFixtures.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.sluice.protocol.gtid.Gtid;
import io.sluice.protocol.gtid.GtidSet;
import io.sluice.protocol.track.OkPacketFixtures.Ok;
import io.sluice.protocol.track.SessionStateChange.Gtids;
import io.sluice.protocol.track.SessionStateChange.Schema;
import io.sluice.protocol.track.SessionStateChange.StateChange;
import io.sluice.protocol.track.SessionStateChange.SystemVariable;
import io.sluice.protocol.track.SessionStateChange.TransactionCharacteristics;
import io.sluice.protocol.track.SessionStateChange.TransactionState;
import io.sluice.protocol.track.SessionStateChange.Unknown;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SessionStateChangesTest {
    private static final String UUID = "3e11fa47-71ca-11e1-9e33-c80aa9429562";

    /** Every buffer a test allocates; each must still be held exactly once at the end (decode neither retains nor releases). */
    private final List<ByteBuf> buffers = new ArrayList<>();

    private ByteBuf buffer(byte[] content) {
        ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(content.length);
        buffers.add(buf);
        return buf.writeBytes(content);
    }

    private ByteBuf buffer() {
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer();
        buffers.add(buf);
        return buf;
    }

    @AfterEach
    void releaseBuffers() {
        for (ByteBuf buf : buffers) {
            assertThat(buf.refCnt()).as("reference count of a test buffer").isEqualTo(1);
            assertThat(buf.release()).isTrue();
        }
    }

    private Ok ok(String fixture) {
        return Ok.read(buffer(bytes(fixture)));
    }

    // ------------------------------------------------------------------ captured MariaDB packets

    @Test
    void mariadbInsertReportsLastGtid() {
        Ok ok = ok(OkPacketFixtures.MARIADB_INSERT_LAST_GTID);
        assertThat(ok.affectedRows()).isEqualTo(1);
        assertThat(ok.lastInsertId()).isEqualTo(1);
        assertThat(ok.status()).isEqualTo(0x4002);
        SessionStateChanges changes = SessionStateChanges.decode(ok.stateInfo());
        assertThat(changes.entries()).containsExactly(new SystemVariable("last_gtid", "0-1-3"));
        assertThat(changes.systemVariable("last_gtid")).contains("0-1-3");
        assertThat(changes.systemVariable("LAST_GTID")).contains("0-1-3");
        assertThat(changes.gtids()).isEmpty();
        assertThat(changes.schema()).isEmpty();
        assertThat(ok.stateInfo().isReadable()).as("decode consumes the block").isFalse();
        // What the router does with it: the session's required position.
        assertThat(GtidSet.parse(changes.systemVariable("last_gtid").orElseThrow()).contains(Gtid.parse("0-1-3")))
                .isTrue();
    }

    @Test
    void mariadbCommitReportsLastGtid() {
        Ok ok = ok(OkPacketFixtures.MARIADB_COMMIT_LAST_GTID);
        assertThat(ok.affectedRows()).isZero();
        assertThat(SessionStateChanges.decode(ok.stateInfo()).systemVariable("last_gtid")).contains("0-1-4");
    }

    @Test
    void mariadbCommitInAnotherDomain() {
        Ok ok = ok(OkPacketFixtures.MARIADB_COMMIT_DOMAIN_7);
        assertThat(ok.status()).isEqualTo(0x4000);
        assertThat(SessionStateChanges.decode(ok.stateInfo()).systemVariable("last_gtid")).contains("7-1-1");
    }

    @Test
    void mariadbUseReportsSchemaAndStateChange() {
        SessionStateChanges changes = SessionStateChanges.decode(ok(OkPacketFixtures.MARIADB_USE_SCHEMA).stateInfo());
        assertThat(changes.entries()).containsExactly(new Schema("sluice"), new StateChange(true));
        assertThat(changes.schema()).contains("sluice");
        assertThat(changes.stateChanged()).isTrue();
        SessionStateChanges initDb = SessionStateChanges.decode(ok(OkPacketFixtures.MARIADB_INIT_DB).stateInfo());
        assertThat(initDb.schema()).contains("mysql");
    }

    @Test
    void mariadbTransactionStateAndCharacteristics() {
        Ok ok = ok(OkPacketFixtures.MARIADB_START_TRANSACTION_READ_ONLY);
        assertThat(ok.status()).isEqualTo(0x6003);
        SessionStateChanges changes = SessionStateChanges.decode(ok.stateInfo());
        assertThat(changes.entries()).containsExactly(new TransactionState("T_______"),
                new TransactionCharacteristics("START TRANSACTION READ ONLY;"));
        assertThat(changes.transactionState()).contains("T_______");
        assertThat(changes.transactionCharacteristics()).contains("START TRANSACTION READ ONLY;");
        assertThat(changes.stateChanged()).isFalse();

        SessionStateChanges enabled =
                SessionStateChanges.decode(ok(OkPacketFixtures.MARIADB_TRANSACTION_INFO_ENABLED).stateInfo());
        assertThat(enabled.entries()).containsExactly(new StateChange(true), new TransactionState("________"),
                new TransactionCharacteristics(""));
    }

    @Test
    void mariadbTwoVariablesInOneBlock() {
        SessionStateChanges changes =
                SessionStateChanges.decode(ok(OkPacketFixtures.MARIADB_TWO_VARIABLES).stateInfo());
        assertThat(changes.entries()).containsExactly(new SystemVariable("autocommit", "OFF"),
                new SystemVariable("time_zone", "+02:00"));
        assertThat(changes.systemVariable("time_zone")).contains("+02:00");
        assertThat(changes.systemVariable("last_gtid")).isEmpty();
    }

    @Test
    void okWithoutStateChangeHasNoBlock() {
        Ok ok = ok(OkPacketFixtures.MARIADB_BEGIN_NO_CHANGE);
        assertThat(ok.status()).isEqualTo(0x0003);
        assertThat(ok.stateInfo()).isNull();
    }

    // ------------------------------------------------------------------ MySQL, built by hand

    @Test
    void mysqlOwnGtid() {
        Ok ok = ok(OkPacketFixtures.MYSQL_INSERT_OWN_GTID);
        SessionStateChanges changes = SessionStateChanges.decode(ok.stateInfo());
        assertThat(changes.entries()).containsExactly(new Gtids(UUID + ":23"));
        assertThat(changes.gtids()).contains(UUID + ":23");
        assertThat(GtidSet.parse(changes.gtids().orElseThrow())).hasToString(UUID + ":23");
    }

    @Test
    void mysqlTaggedOwnGtidAfterInfo() {
        Ok ok = ok(OkPacketFixtures.MYSQL_UPDATE_TAGGED_OWN_GTID);
        assertThat(ok.info()).isEqualTo("Rows matched: 1  Changed: 1  Warnings: 0");
        SessionStateChanges changes = SessionStateChanges.decode(ok.stateInfo());
        assertThat(changes.gtids()).contains(UUID + ":etl:5");
        assertThat(GtidSet.parse(changes.gtids().orElseThrow()).contains(Gtid.parse(UUID + ":etl:5"))).isTrue();
    }

    @Test
    void mysqlTrackerSettingReportsItself() {
        SessionStateChanges changes =
                SessionStateChanges.decode(ok(OkPacketFixtures.MYSQL_SET_TRACK_GTIDS).stateInfo());
        assertThat(changes.systemVariable("session_track_gtids")).contains("OWN_GTID");
    }

    @Test
    void mysqlAllGtidsLongerThan250BytesUsesA3ByteLength() {
        String executed = (UUID + ":1-100,").repeat(8) + UUID + ":200";
        ByteBuf out = buffer();
        SessionStateChanges.of(new Gtids(executed)).encode(out);
        int textLength = executed.length();
        int dataLength = 1 + 3 + textLength;
        // type 3 | data length FC xx xx | encoding 00 | text length FC xx xx | text
        assertThat(ByteBufUtil.hexDump(out, 0, 9)).isEqualTo(String.format("03fc%02x%02x00fc%02x%02x%02x",
                dataLength & 0xFF, dataLength >> 8, textLength & 0xFF, textLength >> 8, (int) executed.charAt(0)));
        assertThat(SessionStateChanges.decode(out).gtids()).contains(executed);
    }

    // ------------------------------------------------------------------ every fixture

    static Stream<Arguments> fixtures() {
        return Stream.of(
                Arguments.of("MARIADB_INSERT_LAST_GTID", OkPacketFixtures.MARIADB_INSERT_LAST_GTID),
                Arguments.of("MARIADB_COMMIT_LAST_GTID", OkPacketFixtures.MARIADB_COMMIT_LAST_GTID),
                Arguments.of("MARIADB_USE_SCHEMA", OkPacketFixtures.MARIADB_USE_SCHEMA),
                Arguments.of("MARIADB_INIT_DB", OkPacketFixtures.MARIADB_INIT_DB),
                Arguments.of("MARIADB_START_TRANSACTION_READ_ONLY",
                        OkPacketFixtures.MARIADB_START_TRANSACTION_READ_ONLY),
                Arguments.of("MARIADB_TRANSACTION_INFO_ENABLED", OkPacketFixtures.MARIADB_TRANSACTION_INFO_ENABLED),
                Arguments.of("MARIADB_TWO_VARIABLES", OkPacketFixtures.MARIADB_TWO_VARIABLES),
                Arguments.of("MARIADB_COMMIT_DOMAIN_7", OkPacketFixtures.MARIADB_COMMIT_DOMAIN_7),
                Arguments.of("MYSQL_INSERT_OWN_GTID", OkPacketFixtures.MYSQL_INSERT_OWN_GTID),
                Arguments.of("MYSQL_UPDATE_TAGGED_OWN_GTID", OkPacketFixtures.MYSQL_UPDATE_TAGGED_OWN_GTID),
                Arguments.of("MYSQL_SET_TRACK_GTIDS", OkPacketFixtures.MYSQL_SET_TRACK_GTIDS));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void encodingReproducesTheServersBytes(String name, String fixture) {
        ByteBuf block = ok(fixture).stateInfo();
        byte[] wire = ByteBufUtil.getBytes(block);
        SessionStateChanges changes = SessionStateChanges.decode(block);

        ByteBuf out = buffer();
        changes.encode(out);
        assertThat(ByteBufUtil.hexDump(out)).isEqualTo(HexFormat.of().formatHex(wire));
        assertThat(changes.encodedLength()).isEqualTo(wire.length);

        ByteBuf withLength = buffer();
        changes.encodeWithLength(withLength);
        assertThat(LengthEncoded.readLength(withLength, "test")).isEqualTo(wire.length);
        assertThat(SessionStateChanges.decode(withLength)).isEqualTo(changes);
    }

    /**
     * Every prefix of a block either ends between two entries, and decodes to the entries before it, or cuts one
     * and fails with our exception, leaving the reader index alone.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void truncatedBlocksFailCleanly(String name, String fixture) {
        byte[] wire = ByteBufUtil.getBytes(ok(fixture).stateInfo());
        List<SessionStateChange> entries = SessionStateChanges.decode(buffer(wire)).entries();
        List<Integer> boundaries = new ArrayList<>();
        for (int k = 0; k <= entries.size(); k++) {
            boundaries.add(SessionStateChanges.of(entries.subList(0, k)).encodedLength());
        }
        for (int length = 0; length < wire.length; length++) {
            ByteBuf prefix = buffer(java.util.Arrays.copyOf(wire, length));
            int k = boundaries.indexOf(length);
            if (k >= 0) {
                assertThat(SessionStateChanges.decode(prefix).entries()).isEqualTo(entries.subList(0, k));
            } else {
                assertThatThrownBy(() -> SessionStateChanges.decode(prefix))
                        .as("prefix of %d bytes", length)
                        .isInstanceOf(MalformedSessionTrackException.class)
                        .hasMessageContaining("session state entry of type");
                assertThat(prefix.readerIndex()).isZero();
            }
        }
    }

    // ------------------------------------------------------------------ malformed and unusual input

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "00 fb",                      // NULL cannot be a length
        "00 ff",                      // neither can an ERR header
        "00 fc 01",                   // 2-byte length cut short
        "00 fd 01 00",                // 3-byte length cut short
        "00 fe 01 00 00 00",          // 8-byte length cut short
        "00 fe ff ff ff ff ff ff ff ff 00",  // 2^64 - 1
        "00 fe 00 00 00 80 00 00 00 00 00",  // 2^31: past the end, and past an int
        "01 05 06 73 6c 75 69 63 65 02 01 31", // schema name runs past its entry, though the block goes on
        "00 04 02 61 61 05",          // variable value missing inside its entry
        "02 00",                      // state change without its flag
        "03 00",                      // GTIDs without the encoding byte
        "03 02 00 05",                // GTIDs text past its entry
        "05 03 08 54 5f",             // transaction state past its entry
    })
    void malformedBlocks(String hex) {
        ByteBuf block = buffer(bytes(hex));
        int writerIndex = block.writerIndex();
        assertThatThrownBy(() -> SessionStateChanges.decode(block))
                .isInstanceOf(MalformedSessionTrackException.class)
                .hasMessageStartingWith("session state entry of type");
        assertThat(block.readerIndex()).isZero();
        assertThat(block.writerIndex()).isEqualTo(writerIndex);
    }

    @Test
    void messagesSayWhatAndWhere() {
        assertThatThrownBy(() -> SessionStateChanges.decode(buffer(bytes("02 01 31 01 07 06 73"))))
                .hasMessage("session state entry of type 1 at offset 3, data length: length 7 runs past the end"
                        + " (2 bytes left)");
        assertThatThrownBy(() -> SessionStateChanges.decode(buffer(bytes("00 fb"))))
                .hasMessage("session state entry of type 0 at offset 0, data length: 0xfb does not start a"
                        + " length-encoded integer");
    }

    @Test
    void unknownTypesAreSkippedByTheirLength() {
        ByteBuf block = buffer(bytes("2a 03 01 02 03  01 03 02 64 62  ff 00"));
        SessionStateChanges changes = SessionStateChanges.decode(block);
        assertThat(changes.entries()).containsExactly(new Unknown(0x2a, new byte[] {1, 2, 3}), new Schema("db"),
                new Unknown(0xff, new byte[0]));
        assertThat(changes.schema()).contains("db");
        ByteBuf out = buffer();
        changes.encode(out);
        assertThat(ByteBufUtil.hexDump(out)).isEqualTo("2a030102030103026462ff00");
    }

    @Test
    void gtidsInAnUnknownEncodingAreKeptRaw() {
        SessionStateChanges changes = SessionStateChanges.decode(buffer(bytes("03 03 01 aa bb")));
        assertThat(changes.entries()).containsExactly(new Unknown(3, new byte[] {1, (byte) 0xaa, (byte) 0xbb}));
        assertThat(changes.gtids()).isEmpty();
    }

    @Test
    void trailingBytesInsideAKnownEntryAreIgnored() {
        // A future server adding a field to the schema entry must not break every OK packet.
        SessionStateChanges changes = SessionStateChanges.decode(buffer(bytes("01 04 02 64 62 99  02 01 30")));
        assertThat(changes.entries()).containsExactly(new Schema("db"), new StateChange(false));
        assertThat(changes.stateChanged()).isFalse();
    }

    @Test
    void emptyBlock() {
        assertThat(SessionStateChanges.decode(buffer(new byte[0]))).isSameAs(SessionStateChanges.empty());
        assertThat(SessionStateChanges.empty().isEmpty()).isTrue();
        assertThat(SessionStateChanges.empty().encodedLength()).isZero();
    }

    @Test
    void laterEntriesWin() {
        SessionStateChanges changes = SessionStateChanges.of(new Schema("a"), new SystemVariable("last_gtid", "0-1-1"),
                new Schema("b"), new SystemVariable("last_gtid", "0-1-2"), new Gtids(UUID + ":1"),
                new Gtids(UUID + ":1-2"), new TransactionState("T_______"), new TransactionState("________"));
        assertThat(changes.schema()).contains("b");
        assertThat(changes.systemVariable("last_gtid")).contains("0-1-2");
        assertThat(changes.gtids()).contains(UUID + ":1-2");
        assertThat(changes.transactionState()).contains("________");
    }

    @Test
    void largeValuesRoundTrip() {
        String huge = "x".repeat(70_000); // needs the 0xFD 3-byte length
        SessionStateChanges changes = SessionStateChanges.of(new SystemVariable("v", huge),
                new Schema("y".repeat(300)), new Unknown(9, new byte[251]));
        ByteBuf out = buffer();
        changes.encode(out);
        assertThat(out.readableBytes()).isEqualTo(changes.encodedLength());
        assertThat((int) out.getUnsignedByte(1)).isEqualTo(0xFD);
        assertThat(SessionStateChanges.decode(out)).isEqualTo(changes);
    }

    @Test
    void unknownCopiesItsBytes() {
        byte[] data = {1, 2};
        Unknown unknown = new Unknown(7, data);
        data[0] = 9;
        assertThat(unknown.data()).containsExactly(1, 2);
        unknown.data()[1] = 9;
        assertThat(unknown.data()).containsExactly(1, 2);
        assertThat(unknown).hasToString("Unknown[type=7, data=0102]").isEqualTo(new Unknown(7, new byte[] {1, 2}));
    }
}
