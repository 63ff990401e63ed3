package io.sluice.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.sluice.protocol.frame.FrameDecoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * {@link FrameDecoder} cutting one read's worth of small frames (sysbench rows, about 200 bytes) into retained
 * slices, as it does for every backend read. Reported per frame ({@link OperationsPerInvocation}). The buffer goes
 * through an {@link EmbeddedChannel}, so the figure includes Netty's inbound queue, which the real pipeline does
 * not have: an upper bound on the decoder's cost.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FrameDecoderBenchmark {
    static final int FRAMES = 1000;

    /** Frames cut whole from one buffer, or a buffer delivered in two reads splitting a frame. */
    @Param({"false", "true"})
    public boolean split;

    private ByteBuf wire;
    private EmbeddedChannel channel;

    @Setup
    public void setUp() {
        wire = Unpooled.directBuffer();
        for (int i = 0; i < FRAMES; i++) {
            Packets.frame(wire, Packets.rowPayload(i), (i + 3) & 0xFF);
        }
        channel = new EmbeddedChannel(new FrameDecoder(64L << 20));
    }

    @TearDown
    public void tearDown() {
        channel.finishAndReleaseAll();
        wire.release();
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public int decode() {
        if (split) {
            int half = wire.readableBytes() / 2 + 1;
            channel.writeInbound(wire.retainedSlice(0, half));
            channel.writeInbound(wire.retainedSlice(half, wire.readableBytes() - half));
        } else {
            channel.writeInbound(wire.retainedDuplicate());
        }
        int n = 0;
        Object frame;
        while ((frame = channel.readInbound()) != null) {
            ReferenceCountUtil.release(frame);
            n++;
        }
        return n;
    }
}
