package io.sluice.proxy.sandbox;

/** A sandbox server or cluster could not be started, queried or stopped. The message says what and, where known, why. */
public class SandboxException extends RuntimeException {
    public SandboxException(String message) {
        super(message);
    }

    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
