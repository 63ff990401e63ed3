package io.sluice.proxy.metrics;

import io.sluice.protocol.Command;
import io.sluice.routing.route.Reason;

/**
 * One client session's side of the metrics: times the command in flight (from its first packet to the end of its
 * response, as the client sees it) and remembers where it was routed, so that the session's hooks stay one-line calls.
 * Also when the session was last active, for the admin interface's idle time.
 *
 * <p>Confined to the session's event loop, like the session; allocation-free.
 */
public final class SessionMeter {
    private final ProxyMetrics metrics;
    /** {@link System#nanoTime()} when the command in flight started; 0 when none runs. */
    private long started;
    private RouteTarget route = RouteTarget.NONE;
    private long lastActive = System.nanoTime();

    public SessionMeter(ProxyMetrics metrics) {
        this.metrics = metrics;
    }

    public void accepted() {
        metrics.clientAccepted();
    }

    public void refused() {
        metrics.clientRefused();
    }

    /** A client command starts ({@code null}: an unknown command byte). */
    public void commandStarted(Command command) {
        metrics.command(command);
        long now = System.nanoTime();
        started = now == 0 ? 1 : now;
        route = RouteTarget.NONE;
        lastActive = now;
    }

    /** The router chose {@code server} for the command in flight. */
    public void routed(String server, Reason reason) {
        route = metrics.routed(server, reason);
    }

    /**
     * The command in flight has its whole answer, or the session answered an ERR of its own; {@code errorCode} is the
     * ERR's code, 0 for success. An ERR outside a command (a refused login) is counted without a latency.
     */
    public void commandEnded(int errorCode) {
        long now = System.nanoTime();
        if (started != 0) {
            metrics.latency(route, now - started);
            started = 0;
        }
        if (errorCode != 0) {
            metrics.error(errorCode);
        }
        lastActive = now;
    }

    /** See {@link ProxyMetrics#causalWait}. */
    public void causalWait(boolean reached, long nanos) {
        metrics.causalWait(reached, nanos);
    }

    /** See {@link ProxyMetrics#fence}. */
    public void fence(boolean confirmed) {
        metrics.fence(confirmed);
    }

    /** See {@link ProxyMetrics#readRetry}. */
    public void readRetry(boolean succeeded) {
        metrics.readRetry(succeeded);
    }

    /** A connection to {@code server} could not be opened, or was lost. */
    public void backendError(String server) {
        metrics.backendError(server);
    }

    /** Milliseconds since the last command started or ended. */
    public long millisSinceActive() {
        return (System.nanoTime() - lastActive) / 1_000_000;
    }
}
