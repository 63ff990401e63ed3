package io.sluice.routing.route;

import io.sluice.protocol.gtid.GtidSet;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where one statement goes: a server, a refusal the session answers with ERR, or, for a consistent read that no
 * replica can serve yet, a wait for one to catch up.
 */
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
     * @param requires          for a {@code session}/{@code global} read on a replica: the GTIDs it must see, which
     *                          the replica has streamed (the session may still have to make sure the replica's engine
     *                          has committed them); empty otherwise
     */
    record ToServer(String server, Reason reason, boolean replica, Optional<String> endsTransactionOn,
                    GtidSet requires) implements RouteDecision {
        public ToServer {
            Objects.requireNonNull(server, "server");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(endsTransactionOn, "endsTransactionOn");
            Objects.requireNonNull(requires, "requires");
        }

        public ToServer(String server, Reason reason, boolean replica) {
            this(server, reason, replica, Optional.empty(), GtidSet.empty());
        }

        public ToServer(String server, Reason reason, boolean replica, Optional<String> endsTransactionOn) {
            this(server, reason, replica, endsTransactionOn, GtidSet.empty());
        }

        ToServer endingTransactionOn(String previous) {
            return previous.equals(server) ? this
                    : new ToServer(server, reason, replica, Optional.of(previous), requires);
        }

        ToServer requiring(GtidSet need) {
            return new ToServer(server, reason, replica, endsTransactionOn, need);
        }
    }

    /** Do not send it: answer ERR with {@code message}; the session stays open. */
    record Refuse(ErrorKind kind, String message) implements RouteDecision {
        public Refuse {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * Not yet: no replica within the lag budget has applied {@code required}, but some may soon. The session asks
     * the GTID tracker to tell it when any of {@code servers} contains {@code required}, for at most
     * {@code timeout}, then reports {@link SessionRouting#onCausalWaitOver()} and routes the statement again (which
     * then takes a replica that qualifies, or falls back without waiting a second time). Nothing is recorded in
     * {@link SessionRouting} for a wait.
     */
    record Wait(GtidSet required, List<String> servers, Duration timeout) implements RouteDecision {
        public Wait {
            Objects.requireNonNull(required, "required");
            Objects.requireNonNull(timeout, "timeout");
            servers = List.copyOf(servers);
            if (servers.isEmpty()) {
                throw new IllegalArgumentException("a wait names at least one server");
            }
        }
    }
}
