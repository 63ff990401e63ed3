package io.sluice.protocol.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Helpers for tests around the 16 MiB frame boundary. Frames are built here by hand, independently of
 * {@code Packets}, so that the tests of {@code Packets} and of the decoders do not check the code against itself.
 */
public final class Wire16 {
    /** 0xFFFFFF: the largest frame payload, which means "continued in the next frame". */
    public static final int MAX = 0xFFFFFF;

    private Wire16() {
    }

    /** A recognisable payload: no run of it repeats at a frame boundary, so a misplaced split shows. */
    public static byte[] payload(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + (i >>> 8) * 7 + (i >>> 16) * 13);
        }
        return b;
    }

    /**
     * The frames of one logical packet as the protocol lays them out: chunks of 0xFFFFFF, then the rest, which is
     * an empty frame when the payload is a multiple of 0xFFFFFF (including 0).
     */
    public static byte[] frames(int firstSeq, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 16);
        int off = 0;
        int seq = firstSeq;
        while (true) {
            int chunk = Math.min(MAX, payload.length - off);
            out.write(chunk & 0xFF);
            out.write((chunk >>> 8) & 0xFF);
            out.write((chunk >>> 16) & 0xFF);
            out.write(seq & 0xFF);
            out.write(payload, off, chunk);
            off += chunk;
            seq++;
            if (chunk < MAX) {
                return out.toByteArray();
            }
        }
    }

    /** Writes {@code bytes} into the channel in pieces of {@code piece} bytes, each its own pooled buffer. */
    public static void feed(EmbeddedChannel channel, byte[] bytes, int piece) {
        for (int off = 0; off < bytes.length; off += piece) {
            int n = Math.min(piece, bytes.length - off);
            channel.writeInbound(Fixtures.alloc().buffer(n).writeBytes(bytes, off, n));
        }
    }

    /**
     * Content equality. Copies the buffer out in one call on purpose: under PARANOID leak detection every
     * {@code getLong} on a tracked buffer records a stack trace, so comparing 16 MiB in place takes seconds.
     */
    public static boolean sameBytes(byte[] expected, int offset, int length, ByteBuf actual) {
        return actual.readableBytes() == length
                && Arrays.equals(expected, offset, offset + length, ByteBufUtil.getBytes(actual), 0, length);
    }
}
