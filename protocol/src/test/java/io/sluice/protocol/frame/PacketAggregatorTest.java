package io.sluice.protocol.frame;

import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.protocol.testing.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static io.sluice.protocol.testing.Wire16.MAX;
import static io.sluice.protocol.testing.Wire16.feed;
import static io.sluice.protocol.testing.Wire16.frames;
import static io.sluice.protocol.testing.Wire16.payload;
import static io.sluice.protocol.testing.Wire16.sameBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Frames come from a real {@link FrameDecoder}, as they will in the proxy. */
class PacketAggregatorTest {
    private final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(64L << 20));
    private final PacketAggregator aggregator = new PacketAggregator(Fixtures.alloc());

    @AfterEach
    void closeAggregator() {
        aggregator.close();
    }

    /** Feeds the wire bytes and returns the completed packets (the caller releases them). */
    private List<Packet> aggregate(byte[] wire) {
        feed(channel, wire, 1 << 20);
        List<Packet> packets = new ArrayList<>();
        Frame frame;
        while ((frame = channel.readInbound()) != null) {
            Packet p = aggregator.add(frame);
            if (p != null) {
                packets.add(p);
            }
        }
        return packets;
    }

    @ParameterizedTest(name = "payload of {0} bytes")
    @ValueSource(ints = {0, 1, MAX - 1, MAX, MAX + 1000, 2 * MAX})
    void joinsContinuationsAtTheBoundaries(int size) {
        byte[] body = payload(size);
        List<Packet> packets = aggregate(frames(9, body));
        try {
            assertThat(packets).hasSize(1);
            Packet p = packets.get(0);
            assertThat(p.sequenceId()).isEqualTo(9);
            // 0xFFFFFF takes two frames (the second empty), 2 * 0xFFFFFF three.
            assertThat(p.frameCount()).isEqualTo(size / MAX + 1);
            assertThat(p.nextSequenceId()).isEqualTo(9 + size / MAX + 1);
            assertThat(sameBytes(body, 0, size, p.payload())).isTrue();
            assertThat(aggregator.isEmpty()).isTrue();
        } finally {
            packets.forEach(Packet::release);
        }
        assertFalse(channel.finish());
    }

    @Test
    void sequenceIdsWrapFrom255To0() {
        byte[] body = payload(MAX + 5);
        List<Packet> packets = aggregate(frames(255, body));
        try {
            assertThat(packets).hasSize(1);
            assertThat(packets.get(0).sequenceId()).isEqualTo(255);
            assertThat(packets.get(0).nextSequenceId()).isEqualTo(1);
        } finally {
            packets.forEach(Packet::release);
        }
        assertFalse(channel.finish());
    }

    @Test
    void singleFramePacketAt255WrapsItsNextSequenceId() {
        List<Packet> packets = aggregate(Fixtures.hex("01 00 00  ff  0e"));
        try {
            assertThat(packets.get(0).nextSequenceId()).isZero();
        } finally {
            packets.forEach(Packet::release);
        }
        assertFalse(channel.finish());
    }

    @Test
    void consecutivePacketsAreKeptApart() {
        byte[] big = payload(MAX);
        byte[] wire = concat(frames(0, big), Fixtures.hex("01 00 00  02  0e   # COM_PING after the empty trailer"));
        List<Packet> packets = aggregate(wire);
        try {
            assertThat(packets).extracting(Packet::sequenceId).containsExactly(0, 2);
            assertThat(packets.get(0).payload().readableBytes()).isEqualTo(MAX);
            assertThat(packets.get(1).payload().readableBytes()).isEqualTo(1);
        } finally {
            packets.forEach(Packet::release);
        }
        assertFalse(channel.finish());
    }

    @Test
    void aGapInSequenceIdsIsReportedAndNothingLeaks() {
        byte[] wire = frames(4, payload(MAX + 10));
        wire[4 + MAX + 3] = 7; // the continuation should be sequence id 5
        feed(channel, wire, 1 << 20);
        Frame first = channel.readInbound();
        Frame second = channel.readInbound();
        assertThat(aggregator.add(first)).isNull();
        assertThat(aggregator.isEmpty()).isFalse();

        SequenceException e = assertThrows(SequenceException.class, () -> aggregator.add(second));
        assertThat(e.expected()).isEqualTo(5);
        assertThat(e.actual()).isEqualTo(7);
        // Both frames and the partial packet are released (LeakCheck would also report them).
        assertThat(first.refCnt()).isZero();
        assertThat(second.refCnt()).isZero();
        assertThat(aggregator.isEmpty()).isTrue();
        assertFalse(channel.finish());
    }

    @Test
    void closeReleasesAPartialPacket() {
        byte[] wire = frames(0, payload(MAX + 10));
        feed(channel, java.util.Arrays.copyOf(wire, 4 + MAX), 1 << 20);
        Frame first = channel.readInbound();
        assertThat(aggregator.add(first)).isNull();
        aggregator.close();
        assertThat(aggregator.isEmpty()).isTrue();
        assertThat(first.refCnt()).isZero();
        assertFalse(channel.finish());
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
