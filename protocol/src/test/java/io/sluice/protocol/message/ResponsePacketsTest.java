package io.sluice.protocol.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.sluice.protocol.Capability;
import io.sluice.protocol.ServerStatus;
import io.sluice.protocol.Wire;
import io.sluice.protocol.error.ErrorCode;
import io.sluice.protocol.error.MalformedPacketException;
import io.sluice.protocol.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** OK, ERR, EOF and the other server packets: real bytes, the phase collisions, encode/decode round trips. */
class ResponsePacketsTest {
    private static final Capability PLAIN = new Capability(Capability.PROTOCOL_41 | Capability.TRANSACTIONS);
    private static final Capability TRACKING = PLAIN.with(Capability.SESSION_TRACK);

    static <T> T decode(byte[] payload, Function<ByteBuf, T> decoder) {
        ByteBuf buf = Fixtures.buffer(payload);
        try {
            T t = decoder.apply(buf);
            assertThat(buf.isReadable()).as("bytes left").isFalse();
            return t;
        } finally {
            buf.release();
        }
    }

    static byte[] encode(Consumer<ByteBuf> encoder) {
        ByteBuf buf = Fixtures.alloc().buffer();
        try {
            encoder.accept(buf);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    static void assertMalformed(byte[] payload, Function<ByteBuf, ?> decoder) {
        ByteBuf buf = Fixtures.buffer(payload);
        try {
            assertThatThrownBy(() -> decoder.apply(buf)).isInstanceOf(MalformedPacketException.class);
        } finally {
            buf.release();
        }
    }

    // ---- OK

    @Test
    void realOkAfterLogin() {
        byte[] payload = Fixtures.payload("mariadb-10.11-ok.hex");
        OkPacket ok = decode(payload, b -> OkPacket.decode(b, PLAIN));
        assertThat(ok).usingRecursiveComparison().isEqualTo(OkPacket.of(0, 0, ServerStatus.AUTOCOMMIT, 0));
        assertThat(encode(b -> ok.encode(b, PLAIN))).isEqualTo(payload);
    }

    @Test
    void realOkWithSchemaChangeTracked() {
        byte[] payload = Fixtures.payload("mariadb-10.11-ok-session-schema.hex");
        OkPacket ok = decode(payload, b -> OkPacket.decode(b, TRACKING));
        assertThat(ok.statusFlags()).isEqualTo(ServerStatus.AUTOCOMMIT | ServerStatus.SESSION_STATE_CHANGED);
        assertThat(ok.info()).isEmpty();
        assertThat(ok.sessionState()).isEqualTo(Fixtures.hex("01 06 05 6d 79 73 71 6c  # SCHEMA \"mysql\""));
        assertThat(encode(b -> ok.encode(b, TRACKING))).isEqualTo(payload);
    }

    @Test
    void realOkWithSystemVariableTracked() {
        byte[] payload = Fixtures.payload("mariadb-10.11-ok-session-sysvar.hex");
        OkPacket ok = decode(payload, b -> OkPacket.decode(b, TRACKING));
        assertThat(ok.inTransaction()).isFalse();
        assertThat(new String(ok.sessionState(), StandardCharsets.US_ASCII)).contains("autocommit").endsWith("OFF");
        assertThat(encode(b -> ok.encode(b, TRACKING))).isEqualTo(payload);
    }

    @Test
    void okRoundTripsWithLargeCountsAndInfo() {
        OkPacket ok = new OkPacket(70000, 1L << 40, ServerStatus.IN_TRANS | ServerStatus.MORE_RESULTS_EXISTS, 3,
                "Rows matched: 1  Changed: 1  Warnings: 0", new byte[0]);
        for (Capability caps : new Capability[] {PLAIN, TRACKING}) {
            OkPacket back = decode(encode(b -> ok.encode(b, caps)), b -> OkPacket.decode(b, caps));
            assertThat(back).usingRecursiveComparison().isEqualTo(ok);
            assertThat(back.moreResults()).isTrue();
            assertThat(back.inTransaction()).isTrue();
        }
    }

    @Test
    void truncatedOkIsMalformed() {
        byte[] payload = Fixtures.payload("mariadb-10.11-ok.hex");
        for (int n = 0; n < payload.length; n++) {
            assertMalformed(Arrays.copyOf(payload, n), b -> OkPacket.decode(b, PLAIN));
        }
        // Session state announced by the status flag but its length runs past the end.
        assertMalformed(Fixtures.hex("00 00 00 00 40 00 00 00 08 01 06"), b -> OkPacket.decode(b, TRACKING));
    }

    // ---- ERR

    @Test
    void realErrFromABadQuery() {
        byte[] payload = Fixtures.payload("mariadb-10.11-err-syntax.hex");
        ErrPacket err = decode(payload, ErrPacket::decode);
        assertThat(err.code()).isEqualTo(1064);
        assertThat(err.sqlState()).isEqualTo("42000");
        assertThat(err.message()).startsWith("You have an error in your SQL syntax")
                .endsWith("near 'SELEC 1' at line 1");
        assertThat(encode(err::encode)).isEqualTo(payload);
    }

    @Test
    void realErrForAMissingTable() {
        byte[] payload = Fixtures.payload("mariadb-10.11-err-no-such-table.hex");
        ErrPacket err = decode(payload, ErrPacket::decode);
        assertThat(err).hasToString("ERROR 1146 (42S02): Table 'test.t' doesn't exist");
        assertThat(encode(err::encode)).isEqualTo(payload);
    }

    @Test
    void theManualsErrExample() {
        // ERR_Packet page of the MySQL manual: 1096, HY000, "No tables used".
        ErrPacket err = decode(Fixtures.hex("ff 48 04 23 48 59 30 30 30 4e 6f 20 74 61 62 6c 65 73 20 75 73 65 64"),
                ErrPacket::decode);
        assertThat(err).hasToString("ERROR 1096 (HY000): No tables used");
    }

    @Test
    void errFromTheCatalogue() {
        ErrPacket err = ErrPacket.of(ErrorCode.ACCESS_DENIED, "app", "10.0.0.1", "YES");
        ErrPacket back = decode(encode(err::encode), ErrPacket::decode);
        assertThat(back).hasToString("ERROR 1045 (28000): Access denied for user 'app'@'10.0.0.1' (using password: YES)");
    }

    @Test
    void truncatedErrIsMalformed() {
        assertMalformed(Fixtures.hex(""), ErrPacket::decode);
        assertMalformed(Fixtures.hex("ff 28"), ErrPacket::decode);
        assertMalformed(Fixtures.hex("ff 28 04 23 34 32  # '#' then only 2 of 5 SQLSTATE bytes"), ErrPacket::decode);
        assertMalformed(Fixtures.hex("00 28 04"), ErrPacket::decode);
    }

    // ---- EOF

    @Test
    void realEofEndingColumnDefinitions() {
        byte[] frames = Fixtures.load("mariadb-10.11-select-1.hex");
        byte[] eof = Arrays.copyOfRange(frames, 5 + 27 + 4, 5 + 27 + 9);
        EofPacket p = decode(eof, EofPacket::decode);
        assertThat(p).isEqualTo(new EofPacket(0, ServerStatus.AUTOCOMMIT));
        assertThat(EofPacket.isEof(eof[0] & 0xFF, eof.length)).isTrue();
        assertThat(encode(p::encode)).isEqualTo(eof);
    }

    @Test
    void preProtocol41EofIsJustTheHeader() {
        assertThat(decode(Fixtures.hex("fe"), EofPacket::decode)).isEqualTo(new EofPacket(0, 0));
        assertMalformed(Fixtures.hex("00 00 00 02 00"), EofPacket::decode);
    }

    // ---- Collisions: the same first byte, different packets, told apart by the phase the caller is in.

    @Test
    void feIsEofOnlyWhenShorterThanNineBytes() {
        // EOF: 5 bytes.
        assertThat(EofPacket.isEof(0xFE, 5)).isTrue();
        // AuthSwitchRequest during authentication: 0xFE, plugin name, 20-byte scramble, NUL; far longer.
        byte[] authSwitch = encode(new AuthSwitchRequest("mysql_native_password", new byte[20])::encode);
        assertThat(authSwitch[0] & 0xFF).isEqualTo(0xFE);
        assertThat(EofPacket.isEof(0xFE, authSwitch.length)).isFalse();
        assertThat(decode(authSwitch, AuthSwitchRequest::decode).pluginName()).isEqualTo("mysql_native_password");
        // A text row whose first cell is 16 MiB or more starts with 0xFE (the 8-byte lenenc form): at least 9 bytes.
        byte[] rowStart = Fixtures.hex("fe 00 00 00 01 00 00 00 00  # cell length 16 MiB");
        assertThat(EofPacket.isEof(0xFE, rowStart.length)).isFalse();
        assertThat(ResponsePacketsTest.<Long>decode(rowStart, b -> Wire.readLenencInt(b, "cell"))).isEqualTo(1L << 24);
        // Such a row fills its first frame: 0xFFFFFF bytes.
        assertThat(EofPacket.isEof(0xFE, 0xFFFFFF)).isFalse();
    }

    @Test
    void underDeprecateEofTheTerminatorIsAnOkWithFeHeader() {
        // The OK that replaces EOF may exceed 9 bytes (info, session state) and is still the end...
        OkPacket ok = new OkPacket(0, 0, ServerStatus.AUTOCOMMIT, 0, "some info text", new byte[0]);
        byte[] terminator = encode(b -> ok.encode(b, TRACKING, OkPacket.EOF_HEADER));
        assertThat(terminator.length).isGreaterThan(9);
        assertThat(EofPacket.isEof(0xFE, terminator.length)).isFalse();
        assertThat(EofPacket.isTerminator(0xFE, terminator.length, true)).isTrue();
        assertThat(decode(terminator, b -> OkPacket.decode(b, TRACKING)).info()).isEqualTo("some info text");
        // ...but a row starting with 0xFE arrives as a full 0xFFFFFF frame, which never terminates.
        assertThat(EofPacket.isTerminator(0xFE, 0xFFFFFF, true)).isFalse();
        // Without DEPRECATE_EOF the classic rule applies.
        assertThat(EofPacket.isTerminator(0xFE, terminator.length, false)).isFalse();
        assertThat(EofPacket.isTerminator(0xFE, 5, false)).isTrue();
        assertThat(EofPacket.isTerminator(0x00, 5, true)).isFalse();
    }

    @Test
    void zeroIsOkOrABinaryRowDependingOnThePhase() {
        // A binary-protocol row for one BIGINT column holding 1: header 0x00, NULL bitmap, 8-byte value.
        byte[] binaryRow = Fixtures.hex("00  00  01 00 00 00 00 00 00 00");
        // Read as a row: the value is 1.
        ByteBuf buf = Fixtures.buffer(binaryRow);
        try {
            assertThat(Wire.readInt1(buf, "header")).isZero();
            assertThat(Wire.readInt1(buf, "null bitmap")).isZero();
            assertThat(buf.readLongLE()).isEqualTo(1);
        } finally {
            buf.release();
        }
        // Read as OK, the same bytes parse into nonsense without error: only the phase can tell.
        OkPacket misread = decode(binaryRow, b -> OkPacket.decode(b, PLAIN));
        assertThat(misread.affectedRows()).isZero();
        assertThat(misread.lastInsertId()).isEqualTo(1); // the row's value, taken for an insert id
    }

    @Test
    void fbIsANullCellOrALocalInfileRequestDependingOnThePhase() {
        // In a text row, 0xFB is a NULL cell.
        assertThat(ResponsePacketsTest.<String>decode(Fixtures.hex("fb"), b -> Wire.readTextCell(b, StandardCharsets.UTF_8, "cell"))).isNull();
        // As the first packet of a COM_QUERY response it asks the client to send a file: 0xFB then the file name.
        byte[] localInfile = Fixtures.hex("fb  2f 74 6d 70 2f 64 2e 63 73 76   # \"/tmp/d.csv\"");
        // It is not a column count; the caller must check 0xFB (and 0x00, 0xFF) before reading one.
        assertMalformed(localInfile, b -> Wire.readLenencInt(b, "column count"));
        ByteBuf buf = Fixtures.buffer(localInfile);
        try {
            assertThat((int) buf.getUnsignedByte(0)).isEqualTo(Wire.NULL_MARKER);
            buf.skipBytes(1);
            assertThat(Wire.readRestString(buf)).isEqualTo("/tmp/d.csv");
        } finally {
            buf.release();
        }
    }

    // ---- The other messages: real bytes where captured, round trips for all.

    @Test
    void realColumnDefinition() {
        byte[] frames = Fixtures.load("mariadb-10.11-select-1.hex");
        byte[] coldef = Arrays.copyOfRange(frames, 5 + 4, 5 + 4 + 23);
        ColumnDefinition41 c = decode(coldef, ColumnDefinition41::decode);
        assertThat(c).isEqualTo(new ColumnDefinition41("", "", "", "1", "", ColumnDefinition41.CHARSET_BINARY, 1,
                0x03, 0x81, 0));
        assertThat(encode(c::encode)).isEqualTo(coldef);
    }

    @Test
    void columnDefinitionRoundTrips() {
        for (ColumnDefinition41 c : new ColumnDefinition41[] {ColumnDefinition41.text("backend"),
                ColumnDefinition41.bigint("lag_ms")}) {
            assertThat(decode(encode(c::encode), ColumnDefinition41::decode)).isEqualTo(c);
        }
    }

    @Test
    void truncatedColumnDefinitionIsMalformed() {
        byte[] frames = Fixtures.load("mariadb-10.11-select-1.hex");
        byte[] coldef = Arrays.copyOfRange(frames, 5 + 4, 5 + 4 + 23);
        for (int n = 0; n < coldef.length - 2; n++) { // the 2-byte filler is optional
            assertMalformed(Arrays.copyOf(coldef, n), ColumnDefinition41::decode);
        }
    }

    @Test
    void authSwitchRequestRoundTrips() {
        byte[] scramble = "abcdefghijklmnopqrst".getBytes(StandardCharsets.US_ASCII);
        AuthSwitchRequest r = new AuthSwitchRequest("caching_sha2_password", scramble);
        byte[] wire = encode(r::encode);
        assertThat(wire[wire.length - 1]).as("scramble NUL-terminated").isZero();
        AuthSwitchRequest back = decode(wire, AuthSwitchRequest::decode);
        assertThat(back.pluginName()).isEqualTo("caching_sha2_password");
        assertThat(back.pluginData()).isEqualTo(scramble);
        assertMalformed(Fixtures.hex("fe 6d 79 73 71 6c  # plugin name without NUL"), AuthSwitchRequest::decode);
        assertMalformed(Fixtures.hex("00"), AuthSwitchRequest::decode);
    }

    @Test
    void authMoreDataRoundTrips() {
        AuthMoreData fast = decode(Fixtures.hex("01 03"), AuthMoreData::decode);
        assertThat(fast.is(AuthMoreData.FAST_AUTH_SUCCESS)).isTrue();
        assertThat(fast.is(AuthMoreData.PERFORM_FULL_AUTHENTICATION)).isFalse();
        AuthMoreData key = new AuthMoreData("-----BEGIN PUBLIC KEY-----\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(decode(encode(key::encode), AuthMoreData::decode).data()).isEqualTo(key.data());
        assertMalformed(Fixtures.hex(""), AuthMoreData::decode);
        assertMalformed(Fixtures.hex("02 03"), AuthMoreData::decode);
    }

    @Test
    void stmtPrepareOkRoundTrips() {
        StmtPrepareOk ok = new StmtPrepareOk(0xFFFFFFFFL, 3, 2, 1);
        byte[] wire = encode(ok::encode);
        assertThat(wire).isEqualTo(Fixtures.hex("00  ff ff ff ff  03 00  02 00  00  01 00"));
        assertThat(decode(wire, StmtPrepareOk::decode)).isEqualTo(ok);
        for (int n = 0; n < 9; n++) {
            assertMalformed(Arrays.copyOf(wire, n), StmtPrepareOk::decode);
        }
    }
}
