package io.sluice.proxy.tls;

/** A TLS context could not be built at start: an unreadable or mismatched certificate or key. The message names the file. */
public final class TlsSetupException extends Exception {
    private static final long serialVersionUID = 1L;

    public TlsSetupException(String message) {
        super(message);
    }

    public TlsSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
