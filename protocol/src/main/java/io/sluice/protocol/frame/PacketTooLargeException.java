package io.sluice.protocol.frame;

import io.netty.handler.codec.TooLongFrameException;

/** A logical packet larger than the configured {@code max_allowed_packet}; the peer gets ERR 1153 and is closed. */
public final class PacketTooLargeException extends TooLongFrameException {
    private final long size;
    private final long limit;

    public PacketTooLargeException(long size, long limit) {
        super("packet of at least " + size + " bytes exceeds max_allowed_packet " + limit);
        this.size = size;
        this.limit = limit;
    }

    public long size() {
        return size;
    }

    public long limit() {
        return limit;
    }
}
