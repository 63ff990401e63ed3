package io.sluice.protocol.track;

/**
 * A session state block that does not follow the documented layout: truncated, a length running past the end, or a
 * length prefix that cannot start a length-encoded integer. Unchecked: it means the server and Sluice disagree about the
 * protocol, which the session treats as a protocol violation.
 */
public final class MalformedSessionTrackException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MalformedSessionTrackException(String message) {
        super(message);
    }
}
