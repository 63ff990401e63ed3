package io.sluice.protocol.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * A logical packet: its payload with the frame headers removed and 16 MiB continuations joined, and the sequence
 * id of its first frame. Used where Sluice must read a packet whole (handshake, authentication, the queries it
 * issues itself); the relay path works on {@link Frame}s instead.
 */
public final class Packet extends DefaultByteBufHolder {
    private final int sequenceId;
    /** Frames this packet took on the wire (1 unless its payload was 0xFFFFFF bytes or more). */
    private final int frameCount;

    public Packet(int sequenceId, ByteBuf payload) {
        this(sequenceId, payload, 1);
    }

    public Packet(int sequenceId, ByteBuf payload, int frameCount) {
        super(payload);
        this.sequenceId = sequenceId;
        this.frameCount = frameCount;
    }

    public int sequenceId() {
        return sequenceId;
    }

    /** The sequence id of the frame after this packet's last frame. */
    public int nextSequenceId() {
        return (sequenceId + frameCount) & 0xFF;
    }

    public int frameCount() {
        return frameCount;
    }

    public ByteBuf payload() {
        return content();
    }

    @Override
    public Packet replace(ByteBuf content) {
        return new Packet(sequenceId, content, frameCount);
    }

    @Override
    public Packet retain() {
        super.retain();
        return this;
    }

    @Override
    public Packet touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "Packet[seq=" + sequenceId + ", len=" + content().readableBytes() + "]";
    }
}
