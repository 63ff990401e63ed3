package io.sluice.protocol.frame;

/** A frame whose sequence id is not the one the exchange is at: the peer is out of step (ERR 1156, then close). */
public final class SequenceException extends RuntimeException {
    private final int expected;
    private final int actual;

    public SequenceException(int expected, int actual) {
        super("packet sequence id " + actual + ", expected " + expected);
        this.expected = expected;
        this.actual = actual;
    }

    public int expected() {
        return expected;
    }

    public int actual() {
        return actual;
    }
}
