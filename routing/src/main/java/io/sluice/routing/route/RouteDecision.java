package io.sluice.routing.route;

import java.util.Objects;
import java.util.Optional;

/** Where one statement goes: a server, or a refusal the session answers with ERR. */
public sealed interface RouteDecision {

    /**
     * Send the statement to {@code server}.
     *
     * @param server            the backend's configured name
     * @param reason            why
     * @param replica           whether the router chose it as a replica (an autocommit read, a hinted read, the
     *                          start of a {@code READ ONLY} transaction); false for the source and for "where the
     *                          transaction or the previous statement is"
     * @param endsTransactionOn a {@code READ ONLY} transaction this statement leaves: it commits implicitly
     *                          ({@code BEGIN}, DDL, {@code LOCK TABLES}...) but must run elsewhere. The session ends
     *                          that transaction ({@code COMMIT}; it wrote nothing) on that server's connection before
     *                          giving the connection back to the pool.
     */
    record ToServer(String server, Reason reason, boolean replica, Optional<String> endsTransactionOn)
            implements RouteDecision {
        public ToServer {
            Objects.requireNonNull(server, "server");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(endsTransactionOn, "endsTransactionOn");
        }

        public ToServer(String server, Reason reason, boolean replica) {
            this(server, reason, replica, Optional.empty());
        }

        ToServer endingTransactionOn(String previous) {
            return previous.equals(server) ? this : new ToServer(server, reason, replica, Optional.of(previous));
        }
    }

    /** Do not send it: answer ERR with {@code message}; the session stays open. */
    record Refuse(ErrorKind kind, String message) implements RouteDecision {
        public Refuse {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(message, "message");
        }
    }
}
