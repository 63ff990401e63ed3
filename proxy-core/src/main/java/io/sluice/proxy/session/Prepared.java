package io.sluice.proxy.session;

import io.sluice.routing.classify.Classification;

/**
 * A statement the client prepared, under the id Sluice gave it. Each backend connection prepares it lazily on
 * first use there (see {@link ServerLink#prepared}).
 *
 * @param classification how its text classifies: a prepared read executes on a replica, a write on the source
 */
final class Prepared {
    final long clientId;
    final String sql;
    final int params;
    final int columns;
    final Classification classification;
    /** The last parameter types the client sent (2 bytes each), to resend where the server has not seen them. */
    byte[] paramTypes;
    /** Where long data was sent, or the cursor is open: the next execute/fetch/reset must go there. */
    ServerLink boundLink;

    Prepared(long clientId, String sql, int params, int columns, Classification classification) {
        this.clientId = clientId;
        this.sql = sql;
        this.params = params;
        this.columns = columns;
        this.classification = classification;
    }
}
