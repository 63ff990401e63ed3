package io.sluice.protocol.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * One wire frame exactly as it arrived: the 4-byte header (3-byte little-endian payload length, 1-byte sequence
 * id) followed by the payload. {@link #content()} holds the whole frame, header included, so a relay can pass it
 * on without re-encoding; {@link #payload()} is a view of the payload.
 *
 * <p>A payload of exactly {@link #MAX_PAYLOAD} bytes means the logical packet continues in the next frame (and a
 * logical packet of exactly 0xFFFFFF bytes is followed by an empty frame). Such continuation frames are not new
 * packets: only the first frame of a logical packet starts with a packet header byte (0x00 OK, 0xFF ERR, ...).
 */
public final class Frame extends DefaultByteBufHolder {
    public static final int HEADER_SIZE = 4;
    public static final int MAX_PAYLOAD = 0xFFFFFF;

    private final boolean continuation;

    /**
     * @param frame        header and payload; ownership passes to this object
     * @param continuation true when this frame continues a logical packet begun in an earlier frame
     */
    public Frame(ByteBuf frame, boolean continuation) {
        super(frame);
        this.continuation = continuation;
    }

    public int sequenceId() {
        return content().getUnsignedByte(content().readerIndex() + 3);
    }

    public int payloadLength() {
        return content().getUnsignedMediumLE(content().readerIndex());
    }

    /** A view of the payload (not retained, shares the frame's reference count and indices). */
    public ByteBuf payload() {
        ByteBuf c = content();
        return c.slice(c.readerIndex() + HEADER_SIZE, c.readableBytes() - HEADER_SIZE);
    }

    /** The first payload byte, or -1 for an empty payload. */
    public int firstByte() {
        return payloadLength() == 0 ? -1 : content().getUnsignedByte(content().readerIndex() + HEADER_SIZE);
    }

    /** True when this frame continues a logical packet (it carries no packet header byte of its own). */
    public boolean isContinuation() {
        return continuation;
    }

    /** True when the logical packet goes on in the next frame. */
    public boolean continues() {
        return payloadLength() == MAX_PAYLOAD;
    }

    /** Rewrites the sequence id in place (used when Sluice splices frames into another exchange). */
    public void sequenceId(int seq) {
        content().setByte(content().readerIndex() + 3, seq);
    }

    @Override
    public Frame replace(ByteBuf content) {
        return new Frame(content, continuation);
    }

    @Override
    public Frame retain() {
        super.retain();
        return this;
    }

    @Override
    public Frame retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public Frame touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "Frame[seq=" + sequenceId() + ", len=" + payloadLength() + (continuation ? ", cont" : "") + "]";
    }
}
