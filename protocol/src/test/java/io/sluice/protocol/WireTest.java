package io.sluice.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.sluice.protocol.error.MalformedPacketException;
import io.sluice.protocol.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WireTest {

    private static Object read(String hex, Function<ByteBuf, ?> reader) {
        ByteBuf buf = Fixtures.buffer(Fixtures.hex(hex));
        try {
            Object value = reader.apply(buf);
            assertThat(buf.isReadable()).as("bytes left after the read").isFalse();
            return value;
        } finally {
            buf.release();
        }
    }

    private static void assertMalformed(String hex, Function<ByteBuf, ?> reader) {
        ByteBuf buf = Fixtures.buffer(Fixtures.hex(hex));
        try {
            assertThatThrownBy(() -> reader.apply(buf)).isInstanceOf(MalformedPacketException.class);
        } finally {
            buf.release();
        }
    }

    /** Every size class of the encoding at both of its edges, as the manual's table gives them. */
    @ParameterizedTest(name = "{0} <-> {1}")
    @CsvSource({
            "0,                   00",
            "250,                 fa",
            "251,                 fc fb 00",
            "65535,               fc ff ff",
            "65536,               fd 00 00 01",
            "16777215,            fd ff ff ff",
            "16777216,            fe 00 00 00 01 00 00 00 00",
            "4294967296,          fe 00 00 00 00 01 00 00 00",
            "9223372036854775807, fe ff ff ff ff ff ff ff 7f",
    })
    void lengthEncodedIntegersAtEveryBoundary(long value, String hex) {
        byte[] wire = Fixtures.hex(hex);
        assertThat(read(hex, b -> Wire.readLenencInt(b, "n"))).isEqualTo(value);

        ByteBuf out = Fixtures.alloc().buffer();
        try {
            Wire.writeLenencInt(out, value);
            assertThat(ByteBufUtil.getBytes(out)).isEqualTo(wire);
        } finally {
            out.release();
        }
        assertThat(Wire.lenencIntSize(value)).isEqualTo(wire.length);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "fc", "fc 01", "fd 01 02", "fe 01 02 03 04 05 06 07"})
    void truncatedLengthEncodedIntegersAreMalformed(String hex) {
        assertMalformed(hex, b -> Wire.readLenencInt(b, "n"));
    }

    @Test
    void nullMarkerAndErrHeaderAreNotIntegers() {
        // 0xFB is NULL in a text row and 0xFF starts ERR; a caller that reaches readLenencInt with them is lost.
        assertMalformed("fb", b -> Wire.readLenencInt(b, "n"));
        assertMalformed("ff 01 00", b -> Wire.readLenencInt(b, "n"));
    }

    @Test
    void eightByteFormBeyondLongMaxIsMalformed() {
        assertMalformed("fe ff ff ff ff ff ff ff ff", b -> Wire.readLenencInt(b, "n"));
    }

    @Test
    void negativeLengthsCannotBeWritten() {
        ByteBuf out = Fixtures.alloc().buffer();
        try {
            assertThatThrownBy(() -> Wire.writeLenencInt(out, -1)).isInstanceOf(IllegalArgumentException.class);
        } finally {
            out.release();
        }
    }

    @Test
    void fixedLengthIntegersAreLittleEndian() {
        assertThat(read("fe", b -> Wire.readInt1(b, "x"))).isEqualTo(0xFE);
        assertThat(read("28 04", b -> Wire.readInt2(b, "x"))).isEqualTo(1064);
        assertThat(read("ff ff ff", b -> Wire.readInt3(b, "x"))).isEqualTo(0xFFFFFF);
        assertThat(read("ff ff ff ff", b -> Wire.readInt4(b, "x"))).isEqualTo(0xFFFFFFFFL);
    }

    @Test
    void truncatedFixedLengthIntegersAreMalformed() {
        assertMalformed("", b -> Wire.readInt1(b, "x"));
        assertMalformed("01", b -> Wire.readInt2(b, "x"));
        assertMalformed("01 02", b -> Wire.readInt3(b, "x"));
        assertMalformed("01 02 03", b -> Wire.readInt4(b, "x"));
        assertMalformed("01 02", b -> Wire.readBytes(b, 3, "x"));
    }

    @Test
    void lengthEncodedStrings() {
        assertThat(read("03 64 65 66", b -> Wire.readLenencString(b, "s"))).isEqualTo("def");
        assertThat(read("00", b -> Wire.readLenencString(b, "s"))).isEqualTo("");
        // A length past the end of the packet must not become an IndexOutOfBoundsException.
        assertMalformed("05 64 65 66", b -> Wire.readLenencString(b, "s"));
        assertMalformed("fe 00 00 00 80 00 00 00 00", b -> Wire.readLenencBytes(b, "s"));
    }

    @Test
    void textCellsTellNullFromEmptyString() {
        assertThat(read("fb", b -> Wire.readTextCell(b, StandardCharsets.UTF_8, "cell"))).isNull();
        assertThat(read("00", b -> Wire.readTextCell(b, StandardCharsets.UTF_8, "cell"))).isEqualTo("");
        assertThat(read("01 31", b -> Wire.readTextCell(b, StandardCharsets.UTF_8, "cell"))).isEqualTo("1");
        assertMalformed("", b -> Wire.readTextCell(b, StandardCharsets.UTF_8, "cell"));
    }

    @Test
    void nulTerminatedStrings() {
        assertThat(read("72 6f 6f 74 00", b -> Wire.readNulString(b, "user"))).isEqualTo("root");
        assertThat(read("00", b -> Wire.readNulString(b, "user"))).isEqualTo("");
        assertMalformed("72 6f 6f 74", b -> Wire.readNulString(b, "user"));
        assertMalformed("", b -> Wire.readNulString(b, "user"));
    }

    @Test
    void nulStringStopsAtTheFirstNul() {
        ByteBuf buf = Fixtures.buffer(Fixtures.hex("61 00 62 00"));
        try {
            assertThat(Wire.readNulString(buf, "a")).isEqualTo("a");
            assertThat(Wire.readNulString(buf, "b")).isEqualTo("b");
        } finally {
            buf.release();
        }
    }

    @Test
    void writtenStringsReadBack() {
        ByteBuf buf = Fixtures.alloc().buffer();
        try {
            Wire.writeNulString(buf, "sluice");
            Wire.writeLenencString(buf, "é".repeat(200)); // 400 bytes: the 0xFC form
            assertThat(Wire.readNulString(buf, "a")).isEqualTo("sluice");
            assertThat(Wire.readLenencString(buf, "b")).isEqualTo("é".repeat(200));
            assertThat(buf.isReadable()).isFalse();
        } finally {
            buf.release();
        }
    }

    @Test
    void restString() {
        assertThat(read("4f 4b", Wire::readRestString)).isEqualTo("OK");
        assertThat(read("", Wire::readRestString)).isEqualTo("");
    }
}
