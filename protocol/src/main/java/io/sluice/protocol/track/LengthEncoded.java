package io.sluice.protocol.track;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * The protocol's length-encoded integers and strings, just what this package needs. Every read checks
 * {@code readableBytes()} first and fails with {@link MalformedSessionTrackException}.
 *
 * <p>To be replaced by the shared codec of the protocol module when the branches meet.
 */
final class LengthEncoded {
    private LengthEncoded() {
    }

    /**
     * Reads a length-encoded integer: one byte below 0xFB is the value; 0xFC, 0xFD, 0xFE are followed by 2, 3 or 8
     * little-endian bytes. 0xFB (NULL in a text row) and 0xFF (an ERR header) cannot start one here.
     */
    static long readInt(ByteBuf in, String what) {
        need(in, 1, what);
        int first = in.readUnsignedByte();
        if (first < 0xFB) {
            return first;
        }
        switch (first) {
            case 0xFC:
                need(in, 2, what);
                return in.readUnsignedShortLE();
            case 0xFD:
                need(in, 3, what);
                return in.readUnsignedMediumLE();
            case 0xFE:
                need(in, 8, what);
                return in.readLongLE();
            default:
                throw new MalformedSessionTrackException(
                        String.format("%s: 0x%02X cannot start a length-encoded integer", what, first));
        }
    }

    /** Reads a length, which must fit in what is left of {@code in}. */
    static int readLength(ByteBuf in, String what) {
        long length = readInt(in, what);
        if (length < 0 || length > in.readableBytes()) {
            throw new MalformedSessionTrackException(what + ": length " + Long.toUnsignedString(length)
                    + " runs past the end (" + in.readableBytes() + " bytes left)");
        }
        return (int) length;
    }

    /** Reads a length-encoded string as UTF-8 (names and values the trackers report are ASCII in practice). */
    static String readString(ByteBuf in, String what) {
        int length = readLength(in, what);
        return in.readCharSequence(length, StandardCharsets.UTF_8).toString();
    }

    static void need(ByteBuf in, int bytes, String what) {
        if (in.readableBytes() < bytes) {
            throw new MalformedSessionTrackException(
                    what + ": needs " + bytes + " more bytes, " + in.readableBytes() + " left");
        }
    }

    static int sizeOfInt(long value) {
        if (value < 0xFB) {
            return 1;
        }
        if (value <= 0xFFFF) {
            return 3;
        }
        if (value <= 0xFF_FFFF) {
            return 4;
        }
        return 9;
    }

    static void writeInt(ByteBuf out, long value) {
        if (value < 0) {
            throw new IllegalArgumentException("negative length: " + value);
        }
        if (value < 0xFB) {
            out.writeByte((int) value);
        } else if (value <= 0xFFFF) {
            out.writeByte(0xFC).writeShortLE((int) value);
        } else if (value <= 0xFF_FFFF) {
            out.writeByte(0xFD).writeMediumLE((int) value);
        } else {
            out.writeByte(0xFE).writeLongLE(value);
        }
    }

    static int sizeOfString(String value) {
        int bytes = ByteBufUtil.utf8Bytes(value);
        return sizeOfInt(bytes) + bytes;
    }

    static void writeString(ByteBuf out, String value) {
        writeInt(out, ByteBufUtil.utf8Bytes(value));
        out.writeCharSequence(value, StandardCharsets.UTF_8);
    }
}
