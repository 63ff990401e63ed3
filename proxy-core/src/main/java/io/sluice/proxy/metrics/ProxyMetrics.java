package io.sluice.proxy.metrics;

import io.sluice.protocol.Command;
import io.sluice.routing.route.Reason;

/**
 * What sessions report for metrics. Every method is called on an event loop, on the path of every statement, so an
 * implementation must neither block nor allocate: meters are registered up front and looked up by index, never by
 * tags. Sessions call it through their {@link SessionMeter}.
 *
 * <p>Thread-safe: shared by every session on every event loop.
 */
public interface ProxyMetrics {

    /** Counts nothing: for a Sluice embedded without metrics, and for tests of other parts. */
    ProxyMetrics NONE = new ProxyMetrics() {
        @Override
        public void clientAccepted() {
        }

        @Override
        public void clientRefused() {
        }

        @Override
        public void command(Command command) {
        }

        @Override
        public RouteTarget routed(String server, Reason reason) {
            return RouteTarget.NONE;
        }

        @Override
        public void latency(RouteTarget route, long nanos) {
        }

        @Override
        public void error(int code) {
        }

        @Override
        public void backendError(String server) {
        }
    };

    /** A client connection was admitted. */
    void clientAccepted();

    /** A client connection was refused ({@code max_connections}). */
    void clientRefused();

    /** A client command started; {@code null} for a first byte that names no command. */
    void command(Command command);

    /** The router sent a statement to {@code server} for {@code reason}; returns the route it counts as. */
    RouteTarget routed(String server, Reason reason);

    /** A command's whole response reached the client (or Sluice answered it) {@code nanos} after it started. */
    void latency(RouteTarget route, long nanos);

    /** Sluice sent the client an ERR packet with this MySQL error code (its own, or relayed from a backend). */
    void error(int code);

    /** A connection to {@code server} failed to open, or was lost. */
    void backendError(String server);

    /**
     * A {@code session}/{@code global} read waited {@code nanos} for a replica to apply what it must see;
     * {@code reached}: one did in time (else the read fell back).
     */
    default void causalWait(boolean reached, long nanos) {
    }

    /**
     * A read on a replica that had only just streamed what it must see was fenced on the engine commit;
     * {@code confirmed} false: the fence timed out and the read ran again on the source.
     */
    default void fence(boolean confirmed) {
    }

    /**
     * A read whose server died under it, before any of its answer reached the client, was sent again to another
     * server; {@code succeeded}: the client got its answer from there.
     */
    default void readRetry(boolean succeeded) {
    }
}
