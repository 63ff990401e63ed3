package io.sluice.routing.route;

/**
 * How busy each backend is, as the session layer sees it: the number of requests in flight to a server (over all
 * sessions of this Sluice instance). The router reads it only while choosing a replica; it must answer quickly and
 * without blocking (a counter read). Unknown servers answer 0.
 */
@FunctionalInterface
public interface LoadView {
    /** Every server idle: replica choice falls to weights and the session's rotation. */
    LoadView IDLE = server -> 0;

    /** Requests currently outstanding on {@code server}; never negative. */
    int outstanding(String server);
}
