package io.sluice.proxy.server;

/**
 * Whether this Sluice is draining: from SIGTERM (or {@code Sluice.drainAndClose}) until it exits, sessions answer
 * new commands with ERR 1053 and close, and {@code /health} answers 503.
 *
 * <p>Thread-safe: one volatile flag, read by every session at each command.
 */
public final class Lifecycle {
    private volatile boolean draining;

    public boolean draining() {
        return draining;
    }

    public void startDraining() {
        draining = true;
    }
}
