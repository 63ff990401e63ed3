package io.sluice.bench.load;

/** The harness cannot go on (a process did not start, a command failed); the message says which and why. */
final class HarnessException extends RuntimeException {
    HarnessException(String message) {
        super(message);
    }

    HarnessException(String message, Throwable cause) {
        super(message, cause);
    }
}
