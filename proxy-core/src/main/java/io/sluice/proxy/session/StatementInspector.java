package io.sluice.proxy.session;

/**
 * The questions the session asks about a COM_QUERY's text before relaying it. Answered by the routing module's
 * classifier; a session never parses SQL itself.
 */
public interface StatementInspector {

    /** A {@code KILL [QUERY|CONNECTION] <id>} statement, which Sluice must resolve to a backend thread. */
    record Kill(long connectionId, boolean queryOnly) {
    }

    /** The KILL this statement asks for, or {@code null} when it is not a KILL. */
    Kill kill(String sql);
}
