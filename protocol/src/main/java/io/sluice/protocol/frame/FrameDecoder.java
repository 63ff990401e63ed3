package io.sluice.protocol.frame;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Cuts the byte stream into {@link Frame}s without copying: each frame is a retained slice of the cumulation,
 * header included. Joining 16 MiB continuations into one logical packet is left to {@link PacketAggregator} or,
 * in the relay, to code that passes the frames through one by one. In {@linkplain #runs run mode} it hands on
 * every whole frame buffered as one {@link FrameRun} instead.
 *
 * <p>{@code maxPacketSize} bounds a logical packet (the sum of its frames), like the server's
 * {@code max_allowed_packet}. It is checked when a frame's header arrives, before its payload is buffered, and
 * raises {@link PacketTooLargeException}; after that the decoder discards everything, as the connection is about to
 * be closed.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private long maxPacketSize;
    /** Bytes of the logical packet seen in earlier frames; -1 when the next frame starts a new packet. */
    private long packetSoFar = -1;
    private boolean failed;
    private boolean runs;

    public FrameDecoder(long maxPacketSize) {
        this.maxPacketSize = maxPacketSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int runStart = in.readerIndex();
        boolean runStartsMid = packetSoFar >= 0;
        while (!failed && in.readableBytes() >= Frame.HEADER_SIZE) {
            int start = in.readerIndex();
            int length = in.getUnsignedMediumLE(start);
            boolean continuation = packetSoFar >= 0;
            long total = (continuation ? packetSoFar : 0) + length;
            if (total > maxPacketSize) {
                if (runs && start > runStart) {
                    break; // the frames before it go on first; the next call fails
                }
                failed = true;
                in.skipBytes(in.readableBytes());
                throw new PacketTooLargeException(total, maxPacketSize);
            }
            if (in.readableBytes() < Frame.HEADER_SIZE + length) {
                break;
            }
            if (!runs) {
                out.add(new Frame(in.retainedSlice(start, Frame.HEADER_SIZE + length), continuation));
            }
            in.skipBytes(Frame.HEADER_SIZE + length);
            packetSoFar = length == Frame.MAX_PAYLOAD ? total : -1;
            if (isSingleDecode()) {
                // One frame, and the bytes after it left alone: after an SSLRequest they are the TLS ClientHello,
                // which the session hands to TLS (takeBuffered) and which must not be read as a packet header.
                break;
            }
        }
        if (runs && in.readerIndex() > runStart) {
            out.add(new FrameRun(in.retainedSlice(runStart, in.readerIndex() - runStart), runStartsMid));
        }
        if (failed) {
            in.skipBytes(in.readableBytes());
        }
    }

    /**
     * In run mode the decoder hands on one {@link FrameRun} per call, holding every whole frame buffered, instead
     * of one {@link Frame} each: a relay that follows frames by offset then costs one slice per read, not per row.
     * Switched on by a backend connection once its login is over.
     */
    public void runs(boolean on) {
        this.runs = on;
    }

    /**
     * Changes the bound, e.g. from a small one before authentication (an unauthenticated peer must not make Sluice
     * buffer megabytes) to {@code max_allowed_packet} after it.
     */
    public void maxPacketSize(long max) {
        this.maxPacketSize = max;
    }

    /**
     * Takes the bytes buffered past the last frame, e.g. a TLS ClientHello that arrived in the same read as the
     * SSLRequest, so they can be handed to the TLS handler inserted in front of this decoder.
     */
    public ByteBuf takeBuffered() {
        ByteBuf buf = internalBuffer();
        if (buf == null || !buf.isReadable()) {
            return io.netty.buffer.Unpooled.EMPTY_BUFFER;
        }
        return buf.readBytes(buf.readableBytes());
    }

    /** True while the decoder holds part of a frame or sits between the frames of one logical packet. */
    public boolean midPacket() {
        return packetSoFar >= 0 || (internalBuffer() != null && internalBuffer().isReadable());
    }
}
