package io.sluice.protocol.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * Joins the frames of one logical packet. Frames of 0xFFFFFF bytes are continued by the next frame; a packet of
 * exactly 0xFFFFFF bytes (or a multiple) ends with an empty frame. Sequence ids must increase by one from frame to
 * frame, wrapping at 256; a gap means the peer is out of step and is reported as {@link SequenceException}.
 *
 * <p>Not a pipeline handler: the session that owns a connection feeds it the frames it wants joined, and hands the
 * others on raw. Not thread-safe; confined to the owner's event loop.
 */
public final class PacketAggregator implements AutoCloseable {
    private final ByteBufAllocator alloc;
    private CompositeByteBuf pending;
    private int firstSeq;
    private int lastSeq;
    private int frames;

    public PacketAggregator(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /**
     * Adds a frame (taking ownership of it) and returns the completed packet, or {@code null} when more frames
     * are needed.
     */
    public Packet add(Frame frame) {
        try {
            int seq = frame.sequenceId();
            if (pending == null) {
                if (!frame.continues()) {
                    return new Packet(seq, frame.payload().retain(), 1);
                }
                pending = alloc.compositeBuffer(16);
                firstSeq = seq;
                frames = 0;
            } else if (seq != ((lastSeq + 1) & 0xFF)) {
                int expected = (lastSeq + 1) & 0xFF;
                discard();
                throw new SequenceException(expected, seq);
            }
            lastSeq = seq;
            frames++;
            pending.addComponent(true, frame.payload().retain());
            if (frame.continues()) {
                return null;
            }
            Packet packet = new Packet(firstSeq, pending, frames);
            pending = null;
            return packet;
        } finally {
            frame.release();
        }
    }

    public boolean isEmpty() {
        return pending == null;
    }

    private void discard() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    @Override
    public void close() {
        discard();
    }
}
