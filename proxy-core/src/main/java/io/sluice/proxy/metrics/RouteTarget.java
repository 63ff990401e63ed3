package io.sluice.proxy.metrics;

/** Where a statement went, as metrics count it: the {@code route} tag. */
public enum RouteTarget {
    /** The source (a write, a pinned session, a transaction there...). */
    SOURCE,
    /** A replica (an autocommit read, a READ ONLY transaction, the statement after one that ran there). */
    REPLICA,
    /** The source, because no replica qualified for a read ({@code routing.fallback: source}). */
    FALLBACK,
    /** Not routed by the router: commands such as COM_PING, COM_STMT_PREPARE, COM_INIT_DB, or refused ones. */
    NONE;

    /** The tag value. */
    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
