package io.sluice.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.sluice.protocol.Command;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.FrameDecoder;
import io.sluice.protocol.frame.FrameRun;
import io.sluice.proxy.session.ResponseTracker;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the relay does per backend response besides the socket writes: follow it frame by frame with
 * {@link ResponseTracker} to find where it ends. One operation is one whole response:
 * <ul>
 *   <li>{@code OK}: the answer to an UPDATE;</li>
 *   <li>{@code ERR}: a failed statement;</li>
 *   <li>{@code ROW}: sysbench's point select (1 column, 1 row);</li>
 *   <li>{@code ROWS_100}: a 4-column, 100-row result set (sysbench's range selects are this shape).</li>
 * </ul>
 * {@code track} runs the tracker over frames already cut; {@code decodeAndTrack} also cuts them from the wire bytes
 * with {@link FrameDecoder} (through an {@link EmbeddedChannel}) and releases them, as the relay did after writing
 * before runs; {@code decodeRunAndTrack} is the relay since: the decoder in run mode hands on one {@link FrameRun}
 * and the tracker reads its frames in place; {@code trackInPlace} is that tracking alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ResponseRelayBenchmark {

    public enum Shape { OK, ERR, ROW, ROWS_100 }

    @Param({"OK", "ERR", "ROW", "ROWS_100"})
    public Shape shape;

    /** CLIENT_DEPRECATE_EOF: result sets end with an OK (0xFE header) instead of EOF packets. */
    @Param({"true", "false"})
    public boolean deprecateEof;

    private ByteBuf wire;
    private List<Frame> frames;
    private ResponseTracker tracker;
    private EmbeddedChannel channel;
    private EmbeddedChannel runChannel;

    @Setup
    public void setUp() {
        wire = Unpooled.directBuffer();
        int seq = 1;
        switch (shape) {
            case OK -> Packets.frame(wire, Packets.okPayload(), seq);
            case ERR -> Packets.frame(wire, Packets.errPayload(), seq);
            case ROW, ROWS_100 -> {
                int columns = shape == Shape.ROW ? 1 : 4;
                int rows = shape == Shape.ROW ? 1 : 100;
                Packets.frame(wire, Packets.columnCountPayload(columns), seq++);
                String[] names = {"c", "k", "id", "pad"};
                for (int i = 0; i < columns; i++) {
                    Packets.frame(wire, Packets.columnDefinitionPayload(names[i], 0xFE), seq++ & 0xFF);
                }
                if (!deprecateEof) {
                    Packets.frame(wire, Packets.eofPayload(), seq++ & 0xFF);
                }
                for (int r = 0; r < rows; r++) {
                    Packets.frame(wire, Packets.rowPayload(r), seq++ & 0xFF);
                }
                Packets.frame(wire, deprecateEof ? Packets.okEofPayload() : Packets.eofPayload(), seq & 0xFF);
            }
        }
        frames = new ArrayList<>();
        EmbeddedChannel cutter = new EmbeddedChannel(new FrameDecoder(64L << 20));
        cutter.writeInbound(wire.retainedDuplicate());
        Frame f;
        while ((f = cutter.readInbound()) != null) {
            frames.add(f);
        }
        cutter.finishAndReleaseAll();
        tracker = new ResponseTracker(deprecateEof);
        channel = new EmbeddedChannel(new FrameDecoder(64L << 20));
        FrameDecoder runs = new FrameDecoder(64L << 20);
        runs.runs(true);
        runChannel = new EmbeddedChannel(runs);
        if (track() != frames.size()) {
            throw new IllegalStateException("the tracker did not end the " + shape + " response on its last frame");
        }
    }

    @TearDown
    public void tearDown() {
        frames.forEach(ReferenceCountUtil::release);
        channel.finishAndReleaseAll();
        runChannel.finishAndReleaseAll();
        wire.release();
    }

    /** Returns the number of frames up to and including the one that completed the response. */
    @Benchmark
    public int track() {
        tracker.begin(Command.QUERY);
        for (int i = 0; i < frames.size(); i++) {
            if (tracker.onFrame(frames.get(i))) {
                return i + 1;
            }
        }
        return -1;
    }

    @Benchmark
    public int decodeAndTrack() {
        tracker.begin(Command.QUERY);
        channel.writeInbound(wire.retainedDuplicate());
        int n = 0;
        boolean done = false;
        Frame f;
        while ((f = channel.readInbound()) != null) {
            done = tracker.onFrame(f);
            f.release();
            n++;
        }
        return done ? n : -1;
    }

    @Benchmark
    public int decodeRunAndTrack() {
        tracker.begin(Command.QUERY);
        runChannel.writeInbound(wire.retainedDuplicate());
        FrameRun run = runChannel.readInbound();
        int n = 0;
        boolean done = false;
        try {
            ByteBuf buf = run.content();
            int pos = buf.readerIndex();
            while (pos < buf.writerIndex() && !done) {
                done = tracker.onFrame(buf, pos);
                pos += FrameRun.frameSize(buf, pos);
                n++;
            }
        } finally {
            run.release();
        }
        return done ? n : -1;
    }

    /** The tracker alone over the wire bytes, read in place as the relay reads a run: no decoder, no slices. */
    @Benchmark
    public int trackInPlace() {
        tracker.begin(Command.QUERY);
        int pos = wire.readerIndex();
        int end = wire.writerIndex();
        int n = 0;
        while (pos < end) {
            n++;
            if (tracker.onFrame(wire, pos)) {
                return n;
            }
            pos += FrameRun.frameSize(wire, pos);
        }
        return -1;
    }
}
