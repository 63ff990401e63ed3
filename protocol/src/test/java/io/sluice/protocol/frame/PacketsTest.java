package io.sluice.protocol.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.protocol.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static io.sluice.protocol.testing.Wire16.MAX;
import static io.sluice.protocol.testing.Wire16.frames;
import static io.sluice.protocol.testing.Wire16.payload;
import static io.sluice.protocol.testing.Wire16.sameBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

class PacketsTest {

    @Test
    void buildWritesTheHeaderInFrontOfASmallPayload() {
        ByteBuf buf = Packets.build(Fixtures.alloc(), 3, b -> b.writeByte(0x0E));
        try {
            assertThat(ByteBufUtil.getBytes(buf)).isEqualTo(Fixtures.hex("01 00 00  03  0e"));
        } finally {
            buf.release();
        }
    }

    @Test
    void buildOfAnEmptyPayload() {
        ByteBuf buf = Packets.build(Fixtures.alloc(), 0, b -> { });
        try {
            assertThat(ByteBufUtil.getBytes(buf)).isEqualTo(Fixtures.hex("00 00 00  00"));
        } finally {
            buf.release();
        }
    }

    @Test
    void buildReleasesItsBufferWhenThePayloadWriterThrows() {
        // LeakCheck reports the buffer if build() leaks it.
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> Packets.build(Fixtures.alloc(), 0, b -> {
                    b.writeByte(1);
                    throw new IllegalStateException("writer failed");
                }));
    }

    /** The split must be byte for byte what the protocol specifies (built independently by Wire16.frames). */
    @ParameterizedTest(name = "payload of {0} bytes")
    @ValueSource(ints = {0, 1, MAX - 1, MAX, MAX + 1000, 2 * MAX})
    void frameSplitsExactlyAsTheProtocolSays(int size) {
        byte[] body = payload(size);
        byte[] expected = frames(250, body);
        ByteBuf out = Packets.frame(Fixtures.alloc(), 250, Fixtures.buffer(body));
        try {
            assertThat(sameBytes(expected, 0, expected.length, out)).isTrue();
        } finally {
            out.release();
        }
        assertThat(Packets.frameCount(size)).isEqualTo(size / MAX + 1);
    }

    @ParameterizedTest(name = "payload of {0} bytes")
    @ValueSource(ints = {0, 1, MAX - 1, MAX, MAX + 1000})
    void buildSplitsLargePayloadsToo(int size) {
        byte[] body = payload(size);
        byte[] expected = frames(1, body);
        ByteBuf out = Packets.build(Fixtures.alloc(), 1, b -> b.writeBytes(body));
        try {
            assertThat(sameBytes(expected, 0, expected.length, out)).isTrue();
        } finally {
            out.release();
        }
    }

    /** What Packets splits, FrameDecoder + PacketAggregator join back: same payload, same sequence ids. */
    @ParameterizedTest(name = "payload of {0} bytes")
    @ValueSource(ints = {0, 1, MAX - 1, MAX, MAX + 1000, 2 * MAX})
    void roundTripThroughDecoderAndAggregator(int size) {
        byte[] body = payload(size);
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(64L << 20));
        List<Packet> packets = new ArrayList<>();
        try (PacketAggregator aggregator = new PacketAggregator(Fixtures.alloc())) {
            channel.writeInbound(Packets.frame(Fixtures.alloc(), 254, Fixtures.buffer(body)));
            Frame f;
            int frames = 0;
            while ((f = channel.readInbound()) != null) {
                frames++;
                Packet p = aggregator.add(f);
                if (p != null) {
                    packets.add(p);
                }
            }
            assertThat(frames).isEqualTo(Packets.frameCount(size));
            assertThat(packets).hasSize(1);
            Packet p = packets.get(0);
            assertThat(p.sequenceId()).isEqualTo(254);
            assertThat(p.frameCount()).isEqualTo(Packets.frameCount(size));
            assertThat(p.nextSequenceId()).isEqualTo((254 + Packets.frameCount(size)) & 0xFF);
            assertThat(sameBytes(body, 0, size, p.payload())).isTrue();
        } finally {
            packets.forEach(Packet::release);
        }
        assertFalse(channel.finish());
    }
}
