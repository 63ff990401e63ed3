package io.sluice.protocol.error;

/**
 * Bytes that do not form the packet the caller expected: a truncated field, a length past the end, an
 * impossible value. Thrown by every decoder in this module instead of letting {@code IndexOutOfBoundsException}
 * escape, so that the session can answer with ERR 1835 (malformed packet) or ERR 1043 (bad handshake) and close.
 */
public final class MalformedPacketException extends RuntimeException {
    public MalformedPacketException(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        // Raised on hostile input at line rate; the message says everything, a stack trace costs allocation.
        return this;
    }
}
