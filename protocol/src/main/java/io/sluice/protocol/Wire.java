package io.sluice.protocol;

import io.netty.buffer.ByteBuf;
import io.sluice.protocol.error.MalformedPacketException;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * The protocol's basic data types on a {@link ByteBuf}: fixed-length little-endian integers, length-encoded
 * integers and strings, NUL-terminated strings. Every read checks {@code readableBytes()} first and throws
 * {@link MalformedPacketException}; nothing here lets an {@code IndexOutOfBoundsException} escape.
 *
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_dt_integers.html">Integer types</a>
 */
public final class Wire {
    /** The lenenc prefix that means SQL NULL in a text row (it can never start a length). */
    public static final int NULL_MARKER = 0xFB;

    private Wire() {
    }

    public static void need(ByteBuf buf, int n, String what) {
        if (buf.readableBytes() < n) {
            throw new MalformedPacketException(what + ": need " + n + " bytes, have " + buf.readableBytes());
        }
    }

    public static int readInt1(ByteBuf buf, String what) {
        need(buf, 1, what);
        return buf.readUnsignedByte();
    }

    public static int readInt2(ByteBuf buf, String what) {
        need(buf, 2, what);
        return buf.readUnsignedShortLE();
    }

    public static int readInt3(ByteBuf buf, String what) {
        need(buf, 3, what);
        return buf.readUnsignedMediumLE();
    }

    public static long readInt4(ByteBuf buf, String what) {
        need(buf, 4, what);
        return buf.readUnsignedIntLE();
    }

    /**
     * A length-encoded integer. 0xFB (NULL in rows) and 0xFF (ERR header) are not integers and are reported
     * as malformed; callers that accept NULL check {@link #NULL_MARKER} before calling.
     * The 8-byte form is returned as a signed long: values beyond 2^63 cannot occur in lengths Sluice accepts.
     */
    public static long readLenencInt(ByteBuf buf, String what) {
        int first = readInt1(buf, what);
        if (first < 0xFB) {
            return first;
        }
        switch (first) {
            case 0xFC:
                return readInt2(buf, what);
            case 0xFD:
                return readInt3(buf, what);
            case 0xFE:
                need(buf, 8, what);
                long v = buf.readLongLE();
                if (v < 0) {
                    throw new MalformedPacketException(what + ": length-encoded integer out of range");
                }
                return v;
            default:
                throw new MalformedPacketException(what + ": 0x" + Integer.toHexString(first)
                        + " does not start a length-encoded integer");
        }
    }

    public static void writeLenencInt(ByteBuf buf, long value) {
        if (value < 0) {
            throw new IllegalArgumentException("negative length " + value);
        }
        if (value < 0xFB) {
            buf.writeByte((int) value);
        } else if (value < (1 << 16)) {
            buf.writeByte(0xFC).writeShortLE((int) value);
        } else if (value < (1 << 24)) {
            buf.writeByte(0xFD).writeMediumLE((int) value);
        } else {
            buf.writeByte(0xFE).writeLongLE(value);
        }
    }

    /** Bytes a length-encoded integer of this value takes. */
    public static int lenencIntSize(long value) {
        return value < 0xFB ? 1 : value < (1 << 16) ? 3 : value < (1 << 24) ? 4 : 9;
    }

    /** A length-encoded byte string, copied out. */
    public static byte[] readLenencBytes(ByteBuf buf, String what) {
        long len = readLenencInt(buf, what);
        if (len > buf.readableBytes()) {
            throw new MalformedPacketException(what + ": string of " + len + " bytes, only " + buf.readableBytes() + " left");
        }
        byte[] out = new byte[(int) len];
        buf.readBytes(out);
        return out;
    }

    public static String readLenencString(ByteBuf buf, String what) {
        return new String(readLenencBytes(buf, what), StandardCharsets.UTF_8);
    }

    /** A text-row cell: a length-encoded string, or {@code null} for the 0xFB NULL marker. */
    public static String readTextCell(ByteBuf buf, Charset charset, String what) {
        need(buf, 1, what);
        if (buf.getUnsignedByte(buf.readerIndex()) == NULL_MARKER) {
            buf.skipBytes(1);
            return null;
        }
        return new String(readLenencBytes(buf, what), charset);
    }

    public static void writeLenencBytes(ByteBuf buf, byte[] bytes) {
        writeLenencInt(buf, bytes.length);
        buf.writeBytes(bytes);
    }

    public static void writeLenencString(ByteBuf buf, String s) {
        writeLenencBytes(buf, s.getBytes(StandardCharsets.UTF_8));
    }

    /** Bytes up to (not including) the next NUL, which is consumed. A missing NUL is malformed. */
    public static byte[] readNulBytes(ByteBuf buf, String what) {
        int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new MalformedPacketException(what + ": missing NUL terminator");
        }
        byte[] out = new byte[end - buf.readerIndex()];
        buf.readBytes(out);
        buf.skipBytes(1);
        return out;
    }

    public static String readNulString(ByteBuf buf, String what) {
        return new String(readNulBytes(buf, what), StandardCharsets.UTF_8);
    }

    public static void writeNulString(ByteBuf buf, String s) {
        buf.writeBytes(s.getBytes(StandardCharsets.UTF_8)).writeByte(0);
    }

    /** The rest of the buffer, as a string ("string&lt;EOF&gt;" in the manual). */
    public static String readRestString(ByteBuf buf) {
        String s = buf.toString(buf.readerIndex(), buf.readableBytes(), StandardCharsets.UTF_8);
        buf.skipBytes(buf.readableBytes());
        return s;
    }

    public static byte[] readBytes(ByteBuf buf, int n, String what) {
        need(buf, n, what);
        byte[] out = new byte[n];
        buf.readBytes(out);
        return out;
    }
}
