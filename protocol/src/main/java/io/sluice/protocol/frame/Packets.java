package io.sluice.protocol.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

import java.util.function.Consumer;

/**
 * Building frames for packets Sluice writes itself. Small packets are written into one buffer with room for the
 * header, so no second allocation or copy is needed; payloads of 0xFFFFFF bytes or more are split into frames as
 * the protocol requires, with the empty trailing frame when the payload is an exact multiple of 0xFFFFFF.
 */
public final class Packets {
    private Packets() {
    }

    /**
     * Allocates a buffer, lets {@code payload} write the packet body, then fills in the header. For payloads that
     * may reach 16 MiB use {@link #frame(ByteBufAllocator, int, ByteBuf)}.
     */
    public static ByteBuf build(ByteBufAllocator alloc, int sequenceId, Consumer<ByteBuf> payload) {
        ByteBuf buf = alloc.buffer(64);
        boolean ok = false;
        try {
            buf.writeZero(Frame.HEADER_SIZE);
            payload.accept(buf);
            int length = buf.readableBytes() - Frame.HEADER_SIZE;
            if (length >= Frame.MAX_PAYLOAD) {
                ByteBuf body = buf.retainedSlice(Frame.HEADER_SIZE, length);
                buf.release();
                ok = true;
                return frame(alloc, sequenceId, body);
            }
            buf.setMediumLE(0, length);
            buf.setByte(3, sequenceId);
            ok = true;
            return buf;
        } finally {
            if (!ok) {
                buf.release();
            }
        }
    }

    /**
     * Frames a payload (taking ownership of it), splitting at 0xFFFFFF bytes. Returns the frames as one buffer;
     * the payload's bytes are not copied.
     */
    public static ByteBuf frame(ByteBufAllocator alloc, int sequenceId, ByteBuf payload) {
        int length = payload.readableBytes();
        if (length < Frame.MAX_PAYLOAD) {
            ByteBuf header = alloc.buffer(Frame.HEADER_SIZE).writeMediumLE(length).writeByte(sequenceId);
            return alloc.compositeBuffer(2).addComponents(true, header, payload);
        }
        CompositeByteBuf out = alloc.compositeBuffer(2 * (length / Frame.MAX_PAYLOAD) + 2);
        int seq = sequenceId;
        try {
            while (true) {
                int chunk = Math.min(Frame.MAX_PAYLOAD, payload.readableBytes());
                out.addComponent(true, alloc.buffer(Frame.HEADER_SIZE).writeMediumLE(chunk).writeByte(seq & 0xFF));
                if (chunk > 0) {
                    out.addComponent(true, payload.readRetainedSlice(chunk));
                }
                seq++;
                if (chunk < Frame.MAX_PAYLOAD) {
                    return out;
                }
            }
        } finally {
            payload.release();
        }
    }

    /** How many frames a payload of this length takes. */
    public static int frameCount(long payloadLength) {
        return (int) (payloadLength / Frame.MAX_PAYLOAD) + 1;
    }
}
