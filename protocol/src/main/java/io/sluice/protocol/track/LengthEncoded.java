package io.sluice.protocol.track;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.sluice.protocol.Wire;
import io.sluice.protocol.error.MalformedPacketException;

import java.nio.charset.StandardCharsets;

/**
 * The shared {@link Wire} codec, with its malformed-input errors reported as
 * {@link MalformedSessionTrackException} so callers of this package see one exception type.
 */
final class LengthEncoded {
    private LengthEncoded() {
    }

    static long readInt(ByteBuf in, String what) {
        try {
            return Wire.readLenencInt(in, what);
        } catch (MalformedPacketException e) {
            throw new MalformedSessionTrackException(e.getMessage());
        }
    }

    /** Reads a length, which must fit in what is left of {@code in}. */
    static int readLength(ByteBuf in, String what) {
        long length = readInt(in, what);
        if (length > in.readableBytes()) {
            throw new MalformedSessionTrackException(what + ": length " + length
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
        try {
            Wire.need(in, bytes, what);
        } catch (MalformedPacketException e) {
            throw new MalformedSessionTrackException(e.getMessage());
        }
    }

    static int sizeOfInt(long value) {
        return Wire.lenencIntSize(value);
    }

    static void writeInt(ByteBuf out, long value) {
        Wire.writeLenencInt(out, value);
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
