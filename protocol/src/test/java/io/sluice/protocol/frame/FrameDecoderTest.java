package io.sluice.protocol.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.protocol.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.sluice.protocol.testing.Wire16.MAX;
import static io.sluice.protocol.testing.Wire16.feed;
import static io.sluice.protocol.testing.Wire16.frames;
import static io.sluice.protocol.testing.Wire16.payload;
import static io.sluice.protocol.testing.Wire16.sameBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FrameDecoderTest {
    private static final long NO_LIMIT = 64L << 20;
    /** "SELECT 1" answered by MariaDB 10.11: five frames, sequence ids 1 to 5. */
    private static final byte[] SELECT_1 = Fixtures.load("mariadb-10.11-select-1.hex");
    private static final int[] SELECT_1_LENGTHS = {1, 23, 5, 2, 5};
    private static final int[] SELECT_1_FIRST_BYTES = {0x01, 0x03, 0xFE, 0x01, 0xFE};

    private final EmbeddedChannel channel = new EmbeddedChannel();

    private FrameDecoder decoder(long max) {
        FrameDecoder decoder = new FrameDecoder(max);
        channel.pipeline().addLast(decoder);
        return decoder;
    }

    /** Reads every frame the decoder emitted, releasing each after {@code check} has looked at it. */
    private List<String> drain(java.util.function.Consumer<Frame> check) {
        List<String> seen = new ArrayList<>();
        Frame f;
        while ((f = channel.readInbound()) != null) {
            try {
                seen.add(f.toString());
                check.accept(f);
            } finally {
                f.release();
            }
        }
        return seen;
    }

    private void assertSelect1() {
        int[] i = {0};
        int[] offset = {0};
        List<String> seen = drain(f -> {
            int n = i[0]++;
            assertThat(f.sequenceId()).isEqualTo(n + 1);
            assertThat(f.payloadLength()).isEqualTo(SELECT_1_LENGTHS[n]);
            assertThat(f.firstByte()).isEqualTo(SELECT_1_FIRST_BYTES[n]);
            assertThat(f.isContinuation()).isFalse();
            // The frame is the wire bytes, header included, for the relay to pass on untouched.
            assertThat(sameBytes(SELECT_1, offset[0], 4 + SELECT_1_LENGTHS[n], f.content())).isTrue();
            offset[0] += 4 + SELECT_1_LENGTHS[n];
        });
        assertThat(seen).hasSize(5);
    }

    @Test
    void realResultSetFedWhole() {
        decoder(NO_LIMIT);
        channel.writeInbound(Fixtures.buffer(SELECT_1));
        assertSelect1();
        assertFalse(channel.finish());
    }

    @Test
    void realResultSetFedOneByteAtATime() {
        FrameDecoder decoder = decoder(NO_LIMIT);
        feed(channel, SELECT_1, 1);
        assertSelect1();
        assertThat(decoder.midPacket()).isFalse();
        assertFalse(channel.finish());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 7, 42})
    void realResultSetFedInRandomPieces(long seed) {
        decoder(NO_LIMIT);
        Random random = new Random(seed);
        int off = 0;
        while (off < SELECT_1.length) {
            int n = Math.min(1 + random.nextInt(9), SELECT_1.length - off);
            channel.writeInbound(Fixtures.buffer(Arrays.copyOfRange(SELECT_1, off, off + n)));
            off += n;
        }
        assertSelect1();
        assertFalse(channel.finish());
    }

    /**
     * Before login the sessions decode one frame per read: an SSLRequest may share its read with the client's TLS
     * ClientHello, whose record header ({@code 16 03 03}) read as a packet header claims 197,398 bytes. The decoder
     * must stop after the SSLRequest and leave the ClientHello buffered for TLS, not fail on it.
     */
    @Test
    void singleDecodeStopsAfterOneFrameAndLeavesTheRestBuffered() {
        FrameDecoder decoder = decoder(64 * 1024);
        decoder.setSingleDecode(true);
        byte[] sslRequest = frames(1, payload(32));
        byte[] clientHello = Fixtures.hex("16 03 03 01 2c 01 00 01 28 03 03");
        byte[] read = Arrays.copyOf(sslRequest, sslRequest.length + clientHello.length);
        System.arraycopy(clientHello, 0, read, sslRequest.length, clientHello.length);

        channel.writeInbound(Fixtures.buffer(read));

        assertThat(drain(f -> assertThat(f.payloadLength()).isEqualTo(32))).hasSize(1);
        ByteBuf rest = decoder.takeBuffered();
        try {
            assertThat(ByteBufUtil.getBytes(rest)).isEqualTo(clientHello);
        } finally {
            rest.release();
        }
        assertFalse(channel.finish());
    }

    @Test
    void emptyPayloadIsAFrameOfItsOwn() {
        decoder(NO_LIMIT);
        channel.writeInbound(Fixtures.buffer(Fixtures.hex("00 00 00  07")));
        List<String> seen = drain(f -> {
            assertThat(f.payloadLength()).isZero();
            assertThat(f.firstByte()).isEqualTo(-1);
            assertThat(f.sequenceId()).isEqualTo(7);
            assertThat(f.continues()).isFalse();
            assertThat(f.isContinuation()).isFalse();
        });
        assertThat(seen).hasSize(1);
        assertFalse(channel.finish());
    }

    @Test
    void largestSingleFramePayload() {
        decoder(NO_LIMIT);
        byte[] wire = frames(0, payload(MAX - 1));
        feed(channel, wire, 1 << 20);
        List<String> seen = drain(f -> {
            assertThat(f.payloadLength()).isEqualTo(MAX - 1);
            assertThat(f.continues()).isFalse();
            assertThat(sameBytes(wire, 0, wire.length, f.content())).isTrue();
        });
        assertThat(seen).containsExactly("Frame[seq=0, len=16777214]");
        assertFalse(channel.finish());
    }

    @Test
    void payloadOfExactlyMaxIsFollowedByAnEmptyContinuation() {
        FrameDecoder decoder = decoder(NO_LIMIT);
        byte[] wire = frames(3, payload(MAX));
        assertThat(wire).hasSize(4 + MAX + 4);
        // Everything but the trailer: the decoder must know it is mid-packet.
        feed(channel, Arrays.copyOf(wire, 4 + MAX), 1 << 20);
        assertThat(decoder.midPacket()).isTrue();
        feed(channel, Arrays.copyOfRange(wire, 4 + MAX, wire.length), 1);
        assertThat(decoder.midPacket()).isFalse();

        List<String> seen = drain(f -> { });
        assertThat(seen).containsExactly("Frame[seq=3, len=16777215]", "Frame[seq=4, len=0, cont]");
        assertFalse(channel.finish());
    }

    @Test
    void payloadPastMaxContinuesInASecondFrame() {
        decoder(NO_LIMIT);
        byte[] wire = frames(0, payload(MAX + 1000));
        feed(channel, wire, 1 << 20);
        List<String> seen = drain(f -> {
            if (f.isContinuation()) {
                assertThat(sameBytes(wire, 4 + MAX, 4 + 1000, f.content())).isTrue();
            }
        });
        assertThat(seen).containsExactly("Frame[seq=0, len=16777215]", "Frame[seq=1, len=1000, cont]");
        assertFalse(channel.finish());
    }

    @Test
    void severalFramesInOneBufferThenOneSplitAcrossBuffers() {
        decoder(NO_LIMIT);
        channel.writeInbound(Fixtures.buffer(Fixtures.hex("""
                01 00 00  00   0e              # COM_PING, whole
                01 00 00  00   0e              # COM_PING again, same buffer
                09 00 00  00   03 53 45 4c     # COM_QUERY "SELECT 1", first 4 of its 9 payload bytes
                """)));
        assertThat(drain(f -> { })).containsExactly("Frame[seq=0, len=1]", "Frame[seq=0, len=1]");

        channel.writeInbound(Fixtures.buffer(Fixtures.hex("""
                45 43 54 20 31                 # ... ECT 1": the query's payload is complete
                02 00                          # the first two bytes of the next header
                """)));
        assertThat(drain(f -> assertThat(f.payload().toString(java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("\u0003SELECT 1"))).containsExactly("Frame[seq=0, len=9]");
        assertFalse(channel.finish());
    }

    @Test
    void headerAnnouncingTooMuchFailsBeforeThePayloadArrives() {
        decoder(1000);
        // Only the header: the decoder must not wait for (or buffer) a payload it will refuse.
        PacketTooLargeException e = assertThrows(PacketTooLargeException.class,
                () -> channel.writeInbound(Fixtures.buffer(Fixtures.hex("e9 03 00  00  # 1001 bytes, seq 0"))));
        assertThat(e.size()).isEqualTo(1001);
        assertThat(e.limit()).isEqualTo(1000);

        // Whatever follows (the payload, a valid next frame) is discarded: the connection is being closed.
        channel.writeInbound(Fixtures.buffer(payload(1001)));
        channel.writeInbound(Fixtures.buffer(Fixtures.hex("01 00 00  00  0e")));
        assertThat(drain(f -> { })).isEmpty();
        assertFalse(channel.finish());
    }

    @Test
    void limitIsInclusive() {
        decoder(1000);
        byte[] wire = frames(0, payload(1000));
        feed(channel, wire, 100);
        assertThat(drain(f -> { })).containsExactly("Frame[seq=0, len=1000]");
        assertFalse(channel.finish());
    }

    @Test
    void limitCountsTheWholeLogicalPacketAcrossContinuations() {
        decoder(MAX + 10L);
        byte[] wire = frames(0, payload(MAX + 11));
        feed(channel, Arrays.copyOf(wire, 4 + MAX), 1 << 20);
        assertThat(drain(f -> { })).containsExactly("Frame[seq=0, len=16777215]");
        PacketTooLargeException e = assertThrows(PacketTooLargeException.class,
                () -> channel.writeInbound(Fixtures.buffer(Arrays.copyOfRange(wire, 4 + MAX, 4 + MAX + 4))));
        assertThat(e.size()).isEqualTo(MAX + 11L);
        assertFalse(channel.finish());
    }

    @Test
    void truncatedHeaderEmitsNothing() {
        FrameDecoder decoder = decoder(NO_LIMIT);
        channel.writeInbound(Fixtures.buffer(Fixtures.hex("05 00 00")));
        assertThat(drain(f -> { })).isEmpty();
        assertThat(decoder.midPacket()).isTrue();
        assertFalse(channel.finish());
    }

    @Test
    void truncatedPayloadEmitsNothing() {
        decoder(NO_LIMIT);
        channel.writeInbound(Fixtures.buffer(Arrays.copyOf(SELECT_1, 4 + 1 + 4 + 22)));
        // The column count frame is whole; the column definition lacks its last byte.
        assertThat(drain(f -> { })).containsExactly("Frame[seq=1, len=1]");
        assertFalse(channel.finish());
    }
    // ------------------------------------------------------------------ run mode (a backend after login)

    /** Reads every run the decoder emitted: its bytes, whether it starts mid-packet; released after. */
    private List<String> drainRuns(List<byte[]> bytes) {
        List<String> seen = new ArrayList<>();
        Object o;
        while ((o = channel.readInbound()) != null) {
            FrameRun run = (FrameRun) o;
            try {
                seen.add(run.toString());
                bytes.add(ByteBufUtil.getBytes(run.content()));
            } finally {
                run.release();
            }
        }
        return seen;
    }

    @Test
    void runModeHandsOnEveryWholeFrameOfAReadAsOneRun() {
        decoder(NO_LIMIT).runs(true);
        channel.writeInbound(Fixtures.buffer(SELECT_1));
        List<byte[]> bytes = new ArrayList<>();
        assertThat(drainRuns(bytes)).containsExactly("FrameRun[" + SELECT_1.length + " bytes]");
        assertThat(bytes.get(0)).isEqualTo(SELECT_1);
        assertFalse(channel.finish());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 7, 42})
    void runModeInRandomPiecesYieldsTheWireBytesInWholeFrames(long seed) {
        FrameDecoder decoder = decoder(NO_LIMIT);
        decoder.runs(true);
        Random random = new Random(seed);
        java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
        int off = 0;
        while (off < SELECT_1.length) {
            int n = Math.min(1 + random.nextInt(12), SELECT_1.length - off);
            channel.writeInbound(Fixtures.buffer(Arrays.copyOfRange(SELECT_1, off, off + n)));
            off += n;
            List<byte[]> bytes = new ArrayList<>();
            drainRuns(bytes);
            for (byte[] b : bytes) {
                // Each run is whole frames: walking its headers lands exactly on its end.
                int pos = 0;
                while (pos < b.length) {
                    pos += 4 + ((b[pos] & 0xFF) | (b[pos + 1] & 0xFF) << 8 | (b[pos + 2] & 0xFF) << 16);
                }
                assertThat(pos).isEqualTo(b.length);
                joined.writeBytes(b);
            }
        }
        assertThat(joined.toByteArray()).isEqualTo(SELECT_1);
        assertThat(decoder.midPacket()).isFalse();
        assertFalse(channel.finish());
    }

    @Test
    void aRunLeavesAPartialFrameBufferedForTheNext() {
        decoder(NO_LIMIT).runs(true);
        channel.writeInbound(Fixtures.buffer(Fixtures.hex("""
                01 00 00  01   01              # column count, whole
                09 00 00  02   03 53 45 4c     # 4 of 9 payload bytes
                """)));
        List<byte[]> bytes = new ArrayList<>();
        assertThat(drainRuns(bytes)).containsExactly("FrameRun[5 bytes]");
        channel.writeInbound(Fixtures.buffer(Fixtures.hex("45 43 54 20 31")));
        assertThat(drainRuns(bytes)).containsExactly("FrameRun[13 bytes]");
        assertThat(bytes.get(1)).isEqualTo(Fixtures.hex("09 00 00 02 03 53 45 4c 45 43 54 20 31"));
        assertFalse(channel.finish());
    }

    @Test
    void aRunThatBeginsWithAContinuationSaysSo() {
        decoder(NO_LIMIT).runs(true);
        byte[] wire = frames(0, payload(MAX + 1000));
        feed(channel, Arrays.copyOf(wire, 4 + MAX), 1 << 20);
        List<byte[]> bytes = new ArrayList<>();
        assertThat(drainRuns(bytes)).containsExactly("FrameRun[" + (4 + MAX) + " bytes]");
        channel.writeInbound(Fixtures.buffer(Arrays.copyOfRange(wire, 4 + MAX, wire.length)));
        assertThat(drainRuns(bytes)).containsExactly("FrameRun[1004 bytes, cont]");
        assertFalse(channel.finish());
    }

    @Test
    void inRunModeTheFramesBeforeAnOversizedOneStillGoOn() {
        decoder(1000).runs(true);
        byte[] ok = frames(1, payload(10));
        byte[] read = Arrays.copyOf(ok, ok.length + 4);
        System.arraycopy(Fixtures.hex("e9 03 00  02"), 0, read, ok.length, 4);
        List<byte[]> bytes = new ArrayList<>();
        PacketTooLargeException e = assertThrows(PacketTooLargeException.class,
                () -> channel.writeInbound(Fixtures.buffer(read)));
        assertThat(e.size()).isEqualTo(1001);
        assertThat(drainRuns(bytes)).containsExactly("FrameRun[14 bytes]");
        assertThat(bytes.get(0)).isEqualTo(ok);
        assertFalse(channel.finish());
    }

    @Test
    void splitCutsARunIntoFramesAndMarksContinuations() {
        byte[] wire = frames(5, payload(MAX + 3));
        byte[] all = Arrays.copyOf(wire, wire.length + SELECT_1.length);
        System.arraycopy(SELECT_1, 0, all, wire.length, SELECT_1.length);
        ByteBuf buf = Fixtures.buffer(all);
        List<String> seen = new ArrayList<>();
        try {
            FrameRun.split(buf, 0, false, f -> {
                seen.add(f.toString());
                f.release();
            });
            // From an offset, as a relay does with what follows a response's end.
            FrameRun.split(buf, 4 + MAX, true, f -> {
                seen.add("from offset: " + f);
                f.release();
            });
            assertThat(buf.refCnt()).isEqualTo(1);
        } finally {
            buf.release();
        }
        assertThat(seen).hasSize(2 + 5 + 1 + 5);
        assertThat(seen.subList(0, 3)).containsExactly("Frame[seq=5, len=16777215]", "Frame[seq=6, len=3, cont]",
                "Frame[seq=1, len=1]");
        assertThat(seen.get(7)).isEqualTo("from offset: Frame[seq=6, len=3, cont]");
    }
}
