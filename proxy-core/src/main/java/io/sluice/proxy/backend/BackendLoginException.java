package io.sluice.proxy.backend;

import io.sluice.protocol.message.ErrPacket;

/**
 * A backend refused or broke a login. When the backend answered with an ERR, {@link #err()} holds it, so the
 * client can be shown the server's own code and message (for example 1045 when the account's password changed
 * on the server but not yet in Sluice's cache).
 */
public final class BackendLoginException extends Exception {
    private final ErrPacket err;

    public BackendLoginException(String message, ErrPacket err, Throwable cause) {
        super(message, cause);
        this.err = err;
    }

    public ErrPacket err() {
        return err;
    }
}
