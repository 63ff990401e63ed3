package io.sluice.routing.classify;

/** Where a statement may run. */
public enum Route {
    /** May run on a replica (and, of course, on the source). */
    READ,
    /** Must run on the source: it writes, locks, reads state only the source connection has, or was not understood. */
    SOURCE;

    /** The stricter of two routes. */
    public Route strictest(Route other) {
        return this == SOURCE || other == SOURCE ? SOURCE : READ;
    }
}
