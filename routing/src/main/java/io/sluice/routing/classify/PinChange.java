package io.sluice.routing.classify;

import java.util.Objects;

/**
 * A statement acquires or releases a {@link Pin}. A release names no object: the classifier does not track which
 * temporary table or named lock is meant, so a session that wants to unpin on {@link Action#RELEASE} must count
 * (or stay pinned until {@link Action#RELEASE_ALL} or a connection reset, which is always correct).
 */
public record PinChange(Pin pin, Action action) {
    public enum Action { ACQUIRE, RELEASE, RELEASE_ALL }

    public PinChange {
        Objects.requireNonNull(pin, "pin");
        Objects.requireNonNull(action, "action");
    }

    public static PinChange acquire(Pin pin) {
        return new PinChange(pin, Action.ACQUIRE);
    }

    public static PinChange release(Pin pin) {
        return new PinChange(pin, Action.RELEASE);
    }

    public static PinChange releaseAll(Pin pin) {
        return new PinChange(pin, Action.RELEASE_ALL);
    }
}
