package io.sluice.protocol.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

import java.util.function.Consumer;

/**
 * Whole frames that arrived back to back, as one buffer: what {@link FrameDecoder} hands on in run mode, so that a
 * relay can follow a response frame by frame by offset and pass many frames on as one slice, with no object, slice
 * or pipeline hop per frame. A result set of a hundred rows that arrived in one read is one run.
 *
 * <p>Frames are read in place: {@link #frameSize} and {@link #payloadLength} at an offset. {@link #split} cuts a run
 * (or what is left of one) into {@link Frame}s for code that wants them one at a time.
 */
public final class FrameRun extends DefaultByteBufHolder {
    private final boolean startsMidPacket;

    /**
     * @param frames          one or more whole frames; ownership passes to this object
     * @param startsMidPacket true when the first frame continues a logical packet begun before this run
     */
    public FrameRun(ByteBuf frames, boolean startsMidPacket) {
        super(frames);
        this.startsMidPacket = startsMidPacket;
    }

    /** True when the run's first frame continues a logical packet begun in an earlier run. */
    public boolean startsMidPacket() {
        return startsMidPacket;
    }

    /** The payload length of the frame whose header is at {@code offset}. */
    public static int payloadLength(ByteBuf buf, int offset) {
        return buf.getUnsignedMediumLE(offset);
    }

    /** Header plus payload: how far the frame at {@code offset} reaches. */
    public static int frameSize(ByteBuf buf, int offset) {
        return Frame.HEADER_SIZE + buf.getUnsignedMediumLE(offset);
    }

    /**
     * Cuts the frames from {@code offset} to the end of {@code buf} into {@link Frame}s, each a retained slice that
     * the sink owns. {@code midPacket} says whether the frame at {@code offset} continues a packet. The buffer keeps
     * its own reference.
     */
    public static void split(ByteBuf buf, int offset, boolean midPacket, Consumer<Frame> sink) {
        int end = buf.writerIndex();
        int pos = offset;
        boolean continuation = midPacket;
        while (pos < end) {
            int length = buf.getUnsignedMediumLE(pos);
            sink.accept(new Frame(buf.retainedSlice(pos, Frame.HEADER_SIZE + length), continuation));
            continuation = length == Frame.MAX_PAYLOAD;
            pos += Frame.HEADER_SIZE + length;
        }
    }

    @Override
    public FrameRun replace(ByteBuf content) {
        return new FrameRun(content, startsMidPacket);
    }

    @Override
    public FrameRun retain() {
        super.retain();
        return this;
    }

    @Override
    public FrameRun touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "FrameRun[" + content().readableBytes() + " bytes" + (startsMidPacket ? ", cont" : "") + "]";
    }
}
