package io.sluice.proxy.session;

import io.sluice.routing.classify.Classification;

/**
 * How a session learns what a statement is: the routing module's classifier (behind its digest cache). A session
 * never parses SQL itself.
 */
public interface StatementInspector {

    /** A {@code KILL [QUERY|CONNECTION] <id>} statement, which Sluice must resolve to a backend thread. */
    record Kill(long connectionId, boolean queryOnly) {
    }

    Classification classify(String sql);
}
