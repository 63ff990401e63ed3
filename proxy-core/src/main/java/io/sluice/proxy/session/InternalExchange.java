package io.sluice.proxy.session;

import io.sluice.protocol.message.ErrPacket;
import io.sluice.protocol.message.StmtPrepareOk;

import java.util.function.Consumer;

/**
 * A command Sluice sends on a session's backend connection for its own purposes (replaying session state,
 * preparing a statement lazily) whose response is consumed, never relayed.
 */
final class InternalExchange {
    /**
     * How it ended: an error, or success with the prepare result when the command was COM_STMT_PREPARE, and the
     * first column of the first row when it was a query that returned one (null otherwise).
     */
    record Outcome(ErrPacket error, StmtPrepareOk prepared, String firstValue) {
        Outcome(ErrPacket error, StmtPrepareOk prepared) {
            this(error, prepared, null);
        }

        boolean failed() {
            return error != null;
        }
    }

    final Consumer<Outcome> then;
    boolean sawFirstPacket;
    ErrPacket error;
    StmtPrepareOk prepared;
    boolean sawRow;
    String firstValue;

    InternalExchange(Consumer<Outcome> then) {
        this.then = then;
    }
}
