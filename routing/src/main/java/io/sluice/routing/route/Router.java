package io.sluice.routing.route;

import io.sluice.protocol.gtid.GtidSet;
import io.sluice.routing.classify.Classification;
import io.sluice.routing.classify.ClassifiedStatement;
import io.sluice.routing.classify.Consistency;
import io.sluice.routing.classify.PinChange;
import io.sluice.routing.classify.Route;
import io.sluice.routing.classify.SessionEffect;
import io.sluice.routing.classify.StatementFlag;
import io.sluice.routing.classify.StatementKind;
import io.sluice.routing.classify.TransactionEffect;
import io.sluice.routing.route.RouteDecision.Refuse;
import io.sluice.routing.route.RouteDecision.ToServer;
import io.sluice.routing.route.RouteDecision.Wait;
import io.sluice.routing.topology.Role;
import io.sluice.routing.topology.ServerView;
import io.sluice.routing.topology.TopologySnapshot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides where a statement goes. Immutable and thread-safe; one per configuration, shared by all sessions. It
 * reads the {@link SessionRouting} and never changes it: the session reports what it did with the decision.
 *
 * <h2>The rules, first match wins</h2>
 * <ol>
 *   <li><b>Transaction.</b> Inside a transaction, the statement goes where the transaction is
 *       ({@link Reason#TRANSACTION}). If that server is unreachable or gone, the statement is refused
 *       ({@link ErrorKind#TRANSACTION_SERVER_LOST}), except a plain {@code ROLLBACK} (and {@code COMMIT} of a
 *       {@code READ ONLY} transaction), which the source answers: the transaction died with its connection.
 *       A {@code READ ONLY} transaction on a replica has three exceptions: a text that commits it implicitly
 *       ({@code BEGIN}, DDL...) or writes after ending it is routed as outside a transaction and names the
 *       replica in {@link ToServer#endsTransactionOn()}; a pin-acquiring statement is refused
 *       ({@link ErrorKind#PIN_IN_REPLICA_TRANSACTION}); a write is refused as the server would
 *       ({@link ErrorKind#WRITE_IN_READ_ONLY_TRANSACTION}) instead of reaching a replica.</li>
 *   <li><b>Pins.</b> A pinned session uses the source ({@link Reason#PINNED}), hints notwithstanding: a read of a
 *       temporary table or a user variable exists only there.</li>
 *   <li><b>autocommit=0.</b> The statement opens a transaction and the next one may write: the source
 *       ({@link Reason#TRANSACTION_START}), hints notwithstanding. {@code START TRANSACTION READ ONLY} is the
 *       exception: it may take a replica.</li>
 *   <li><b>Source route</b> (the classification's route after hints: writes, locking reads, source-only state,
 *       unknown text; {@code /* sluice:source *}{@code /}): the source, with the strictest statement's reason. A
 *       text that needs the source only because it describes the previous statement ({@code SHOW WARNINGS},
 *       {@code FOUND_ROWS()}) goes where that statement ran ({@link Reason#PREVIOUS_STATEMENT}).</li>
 *   <li><b>Reads.</b> A replica within the lag budget: the hint's {@code max_lag} when given (it <em>replaces</em>
 *       the policy budget for that statement, tighter or looser: the application knows what that statement
 *       tolerates), else {@link RoutingPolicy#maxReplicaLag()}. With none, {@link RoutingPolicy#fallback()} decides.
 *       The consistency level (hint, else the session's, else {@link RoutingPolicy#consistency()}) narrows the
 *       choice, below.</li>
 * </ol>
 *
 * <h2>Consistency</h2>
 * {@code eventual}: the lag budget alone. {@code session}: the replica must also have applied every GTID in
 * {@link SessionRouting#required()} (the session's writes, what it read, tokens), as the {@link GtidView} says; a
 * session that needs nothing reads as under {@code eventual}. {@code global}: as {@code session}, plus everything
 * the source has executed as far as its binlog stream shows. When no replica within the budget qualifies, the
 * decision is, for a replica whose lag is below {@link RoutingPolicy#causalWait()} (or the session's own
 * {@link SessionRouting#causalWait()}), that replica with the GTIDs it must wait for ({@link ToServer#requires()}:
 * the session pipelines the wait with the read); else {@link Wait} for the replicas within the budget up to that
 * wait, once; after it, the source
 * ({@link Reason#CAUSAL_FALLBACK_SOURCE}), which has every transaction, or a refusal under
 * {@code fallback: error}. No round trip to a server is added: the tracker already knows what each one applied.
 *
 * <h2>Replica choice</h2>
 * Eligible: role {@link Role#REPLICA}, reachable, replicating, lag known ({@code >= 0}) and {@code <=} the budget.
 * Among them, the lowest {@code outstanding / weight}; ties (the idle case above all) are split in proportion to
 * weight by the session's rotation counter, so a weight-3 replica takes three of every four idle reads.
 */
public final class Router {
    private final RoutingPolicy policy;

    public Router(RoutingPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    public RoutingPolicy policy() {
        return policy;
    }

    /** Where a {@code COM_QUERY} text classified as {@code c} goes, without GTID tracking. */
    public RouteDecision route(Classification c, SessionRouting s, TopologySnapshot t, LoadView load) {
        return route(c, s, t, load, GtidView.NONE);
    }

    /** Where a {@code COM_QUERY} text classified as {@code c} goes, knowing what each server has applied. */
    public RouteDecision route(Classification c, SessionRouting s, TopologySnapshot t, LoadView load, GtidView gtids) {
        Objects.requireNonNull(c, "c");
        Objects.requireNonNull(s, "s");
        Objects.requireNonNull(t, "t");
        Objects.requireNonNull(load, "load");
        Objects.requireNonNull(gtids, "gtids");
        if (s.inTransaction()) {
            return inTransaction(c, s, t, load, gtids);
        }
        return outsideTransaction(c, s, t, load, gtids);
    }

    /** The consistency level that applies to a read: the statement's hint, the session's choice, the default. */
    public Consistency consistencyOf(Classification c, SessionRouting s) {
        return c.hints().consistency().orElseGet(() -> s.consistency().orElse(policy.consistency()));
    }

    /**
     * Where a {@code COM_STMT_EXECUTE} goes, given the classification of its text recorded at
     * {@code COM_STMT_PREPARE}: a prepared read executes on a replica, a prepared write on the source, by the same
     * rules as {@link #route}. Protocol-level prepared statements are not pins (the session re-prepares them on
     * each backend it uses); what the statement does when executed ({@code SET @x = ?}, a {@code BEGIN}) counts as
     * for a text, so the session reports {@link SessionRouting#onStatementSent} with the same classification.
     */
    public RouteDecision routePrepared(Classification atPrepare, SessionRouting s, TopologySnapshot t, LoadView load,
                                       GtidView gtids) {
        return route(atPrepare, s, t, load, gtids);
    }

    public RouteDecision routePrepared(Classification atPrepare, SessionRouting s, TopologySnapshot t, LoadView load) {
        return route(atPrepare, s, t, load, GtidView.NONE);
    }

    // ---- rule 1: transactions ----

    private RouteDecision inTransaction(Classification c, SessionRouting s, TopologySnapshot t, LoadView load,
                                        GtidView gtids) {
        String server = s.transactionServer().orElseThrow();
        boolean onReplica = s.transactionOnReplica();
        if (onReplica && leavesReadOnlyTransaction(c)) {
            RouteDecision d = outsideTransaction(c, s, t, load, gtids);
            return d instanceof ToServer to ? to.endingTransactionOn(server) : d;
        }
        boolean available = t.server(server).map(ServerView::reachable).orElse(false);
        if (!available) {
            TransactionEffect first = c.first().transaction();
            boolean vacuous = !c.multiStatement() && !c.first().has(StatementFlag.CHAIN)
                    && (first == TransactionEffect.ROLLBACK || (onReplica && first == TransactionEffect.COMMIT));
            if (vacuous) {
                return toSource(t, Reason.ROLLBACK_OF_LOST_TRANSACTION);
            }
            return new Refuse(ErrorKind.TRANSACTION_SERVER_LOST, "the server running this transaction ('" + server
                    + "') is no longer available; the transaction is lost: roll back and retry it");
        }
        if (onReplica) {
            for (ClassifiedStatement st : c.statements()) {
                if (acquiresPin(st)) {
                    return new Refuse(ErrorKind.PIN_IN_REPLICA_TRANSACTION, "Sluice serves this READ ONLY transaction from"
                            + " replica '" + server + "'; temporary tables, locks, user variables and SQL PREPARE would"
                            + " live there: start the transaction with /* sluice:source */ to use them");
                }
            }
            for (ClassifiedStatement st : c.statements()) {
                if (!fitsReadOnlyTransaction(st)) {
                    return new Refuse(ErrorKind.WRITE_IN_READ_ONLY_TRANSACTION,
                            "Cannot execute statement in a READ ONLY transaction.");
                }
            }
        }
        return new ToServer(server, Reason.TRANSACTION, false);
    }

    /**
     * Whether a text ends a replica's {@code READ ONLY} transaction before a statement that must run elsewhere: a
     * statement that commits implicitly (and then runs outside the transaction) or opens a new one, or a source
     * statement after {@code COMMIT}, {@code ROLLBACK} or {@code SET autocommit}.
     */
    private static boolean leavesReadOnlyTransaction(Classification c) {
        boolean ended = false;
        for (ClassifiedStatement st : c.statements()) {
            switch (st.transaction()) {
                case BEGIN, BEGIN_READ_ONLY, BEGIN_READ_WRITE, IMPLICIT_COMMIT, XA_START -> {
                    return true;
                }
                default -> {
                }
            }
            if (ended && st.route() == Route.SOURCE) {
                return true;
            }
            boolean ends = (st.transaction() == TransactionEffect.COMMIT || st.transaction() == TransactionEffect.ROLLBACK)
                    && !st.has(StatementFlag.CHAIN);
            for (SessionEffect e : st.session()) {
                ends |= e instanceof SessionEffect.SetAutocommit
                        || (e instanceof SessionEffect.SetVariables v && v.names().contains("autocommit"));
            }
            ended |= ends;
        }
        return false;
    }

    /**
     * Whether a statement may run inside a replica's {@code READ ONLY} transaction: reads (including those that
     * would otherwise want the source, such as {@code LAST_INSERT_ID()} or a locking read: inside the transaction
     * the replica's connection is the session's), transaction control, session {@code SET}s. Anything that
     * writes is refused here rather than sent: the server would refuse transactional writes, but not {@code SET
     * GLOBAL} or {@code PURGE}.
     */
    private static boolean fitsReadOnlyTransaction(ClassifiedStatement st) {
        if (st.has(StatementFlag.WRITES) || st.has(StatementFlag.SET_GLOBAL) || st.has(StatementFlag.INTO_FILE)) {
            return false;
        }
        if (st.route() == Route.READ || st.kind().readOnly()) {
            return true;
        }
        return switch (st.kind()) {
            case COMMIT, ROLLBACK, SAVEPOINT, RELEASE_SAVEPOINT, SET, DO, EMPTY, SIGNAL, GET_DIAGNOSTICS -> true;
            default -> false;
        };
    }

    private static boolean acquiresPin(ClassifiedStatement st) {
        for (PinChange p : st.pins()) {
            if (p.action() == PinChange.Action.ACQUIRE) {
                return true;
            }
        }
        return false;
    }

    // ---- rules 2 to 5 ----

    private RouteDecision outsideTransaction(Classification c, SessionRouting s, TopologySnapshot t, LoadView load,
                                             GtidView gtids) {
        if (s.pinned()) {
            return toSource(t, Reason.PINNED);
        }
        boolean readOnlyBegin = c.route() == Route.READ && c.first().transaction() == TransactionEffect.BEGIN_READ_ONLY;
        if (!s.autocommit() && !readOnlyBegin) {
            return toSource(t, Reason.TRANSACTION_START);
        }
        if (c.route() == Route.SOURCE) {
            if (describesPreviousStatementOnly(c) && s.lastServer().isPresent()) {
                String last = s.lastServer().get();
                if (t.server(last).map(ServerView::reachable).orElse(false)) {
                    return new ToServer(last, Reason.PREVIOUS_STATEMENT, false);
                }
            }
            return toSource(t, sourceReason(c));
        }
        boolean hinted = c.hints().route().orElse(null) == Route.READ;
        long budget = lagMillis(c.hints().maxLag().orElse(policy.maxReplicaLag()));
        GtidSet need = needed(consistencyOf(c, s), s, t, gtids);
        ServerView replica = pickReplica(t, budget, load, s.rotation(), gtids, need);
        if (replica != null) {
            return new ToServer(replica.name(), hinted ? Reason.HINT_REPLICA : Reason.READ_REPLICA, true,
                    Optional.empty(), need);
        }
        if (!need.isEmpty()) {
            return causalFallback(c, s, t, load, budget, need, hinted);
        }
        if (policy.fallback() == RoutingPolicy.Fallback.ERROR && !sessionStateOnly(c)) {
            return new Refuse(ErrorKind.NO_REPLICA, "no replica can serve this read (routing.fallback is error): "
                    + whyNoReplica(t, budget));
        }
        Optional<ServerView> source = t.source();
        if (source.isEmpty()) {
            return new Refuse(ErrorKind.NO_SOURCE, "no server can serve this read: " + whyNoReplica(t, budget)
                    + "; and " + whyNoSource(t));
        }
        return new ToServer(source.get().name(), Reason.READ_FALLBACK_SOURCE, false);
    }

    /**
     * What a read at {@code level} must find applied: nothing under {@code eventual}; the session's set under
     * {@code session}; and the source's under {@code global}.
     */
    private static GtidSet needed(Consistency level, SessionRouting s, TopologySnapshot t, GtidView gtids) {
        return switch (level) {
            case EVENTUAL -> GtidSet.empty();
            case SESSION -> s.required();
            case GLOBAL -> {
                GtidSet source = t.source().map(v -> gtids.executed(v.name())).orElse(GtidSet.empty());
                yield source.isEmpty() || s.required().contains(source) ? s.required() : s.required().union(source);
            }
        };
    }

    /**
     * No replica has applied {@code need}. A replica whose measured lag is below the causal wait is expected to apply
     * it within the wait: the read goes there at once, requiring {@code need}, and the session makes the replica
     * itself wait for it ({@code MASTER_GTID_WAIT} in the same write as the read, bounded by the wait, the source
     * if it times out), which saves the trip through the tracker's binlog stream. Otherwise the session waits once
     * on the tracker for the replicas within the budget, then the source.
     */
    private RouteDecision causalFallback(Classification c, SessionRouting s, TopologySnapshot t, LoadView load,
                                         long budget, GtidSet need, boolean hinted) {
        java.time.Duration wait = s.causalWait().orElse(policy.causalWait());
        if (!s.causalWaitOver() && !wait.isZero()) {
            long near = Math.min(budget, wait.toMillis() - 1);
            Optional<ServerView> close = near < 0 ? Optional.empty() : chooseReplica(t, near, load, s.rotation());
            if (close.isPresent()) {
                return new ToServer(close.get().name(), hinted ? Reason.HINT_REPLICA : Reason.READ_REPLICA, true)
                        .requiring(need);
            }
            List<String> candidates = new ArrayList<>(4);
            for (ServerView v : t.servers()) {
                if (v.readableWithin(budget)) {
                    candidates.add(v.name());
                }
            }
            if (!candidates.isEmpty()) {
                return new Wait(need, candidates, wait);
            }
        }
        if (policy.fallback() == RoutingPolicy.Fallback.ERROR && !sessionStateOnly(c)) {
            return new Refuse(ErrorKind.NO_CAUSAL_REPLICA, "no replica has applied the transactions this read must see"
                    + " (" + need + ") within routing.causal_wait, and routing.fallback is error: "
                    + whyNoReplica(t, budget));
        }
        return toSource(t, Reason.CAUSAL_FALLBACK_SOURCE);
    }

    /**
     * A text that reads no data and only sets session state ({@code SET NAMES}, {@code SET sql_mode},
     * {@code USE}): drivers send such statements while connecting, and any server may run them, since the session
     * state is replayed wherever the session goes. {@code fallback: error} is about serving stale data, which these
     * cannot, so they fall back to the source rather than fail the connection.
     */
    private static boolean sessionStateOnly(Classification c) {
        for (ClassifiedStatement st : c.statements()) {
            if ((st.kind() != StatementKind.SET && st.kind() != StatementKind.USE) || st.session().isEmpty()) {
                return false;
            }
        }
        return true;
    }

    private static RouteDecision toSource(TopologySnapshot t, Reason reason) {
        Optional<ServerView> source = t.source();
        if (source.isEmpty()) {
            return new Refuse(ErrorKind.NO_SOURCE, "this statement needs the source (" + describe(reason) + ") and "
                    + whyNoSource(t));
        }
        return new ToServer(source.get().name(), reason, false);
    }

    /** The reason of the strictest statement: unknown, then write, locking read, transaction start, source state. */
    private static Reason sourceReason(Classification c) {
        if (c.classifiedRoute() == Route.READ) {
            return Reason.HINT_SOURCE;
        }
        Reason best = null;
        for (ClassifiedStatement st : c.statements()) {
            if (st.route() != Route.SOURCE) {
                continue;
            }
            Reason r;
            if (st.kind() == StatementKind.UNKNOWN || st.has(StatementFlag.UNTERMINATED)) {
                return Reason.UNKNOWN_TO_SOURCE;
            } else if (st.has(StatementFlag.WRITES) || st.has(StatementFlag.INTO_FILE) || st.has(StatementFlag.SET_GLOBAL)) {
                r = Reason.WRITE;
            } else if (st.has(StatementFlag.LOCKING_READ)) {
                r = Reason.LOCKING_READ;
            } else if (st.transaction() == TransactionEffect.BEGIN || st.transaction() == TransactionEffect.BEGIN_READ_WRITE
                    || st.transaction() == TransactionEffect.XA_START) {
                r = Reason.TRANSACTION_START;
            } else if (st.has(StatementFlag.SESSION_DEPENDENT) || st.has(StatementFlag.SERVER_SPECIFIC)
                    || st.has(StatementFlag.PREVIOUS_STATEMENT_DEPENDENT)) {
                r = Reason.SOURCE_STATE;
            } else {
                r = Reason.WRITE;
            }
            if (best == null || rank(r) > rank(best)) {
                best = r;
            }
        }
        return best == null ? Reason.WRITE : best;
    }

    private static int rank(Reason r) {
        return switch (r) {
            case WRITE -> 4;
            case LOCKING_READ -> 3;
            case TRANSACTION_START -> 2;
            default -> 1;
        };
    }

    /**
     * Whether the text needs the source only because some statement describes the previous one on the same
     * connection ({@code SHOW WARNINGS}, {@code SELECT FOUND_ROWS()}): every other statement may run on a replica.
     */
    private static boolean describesPreviousStatementOnly(Classification c) {
        if (c.hints().route().orElse(null) == Route.SOURCE) {
            return false;
        }
        boolean any = false;
        for (ClassifiedStatement st : c.statements()) {
            if (st.route() == Route.READ) {
                continue;
            }
            if (!st.has(StatementFlag.PREVIOUS_STATEMENT_DEPENDENT) || !st.replicaAllowed()
                    || st.has(StatementFlag.SESSION_DEPENDENT) || st.has(StatementFlag.SERVER_SPECIFIC)
                    || st.has(StatementFlag.UNTERMINATED) || !st.pins().isEmpty()) {
                return false;
            }
            any = true;
        }
        return any;
    }

    // ---- replica choice ----

    /**
     * The eligible replica with the fewest outstanding requests per unit of weight; ties split by weight using
     * {@code rotation}. Package-private for tests.
     */
    static Optional<ServerView> chooseReplica(TopologySnapshot t, long maxLagMillis, LoadView load, long rotation) {
        return chooseReplica(t, maxLagMillis, load, rotation, GtidView.NONE, GtidSet.empty());
    }

    /** As above, among the replicas that have also applied {@code need}. */
    static Optional<ServerView> chooseReplica(TopologySnapshot t, long maxLagMillis, LoadView load, long rotation,
                                              GtidView gtids, GtidSet need) {
        return Optional.ofNullable(pickReplica(t, maxLagMillis, load, rotation, gtids, need));
    }

    /**
     * {@link #chooseReplica}, null when none qualifies; allocates nothing (it runs for every read). One pass over
     * the servers finds the lowest load per weight, which servers are tied at it and their total weight; then
     * {@code rotation} lands on one of the tied, by weight. The tie is remembered as a bit mask of positions, so the
     * second step looks at no server's lag, GTIDs or load again (nor at a load that moved in between, on another
     * event loop). Past 64 servers, which a mask cannot hold, the second step is a second pass.
     */
    private static ServerView pickReplica(TopologySnapshot t, long maxLagMillis, LoadView load, long rotation,
                                          GtidView gtids, GtidSet need) {
        List<ServerView> servers = t.servers();
        int n = servers.size();
        ServerView first = null;
        long bestLoad = 0;
        int bestWeight = 1;
        long tiedWeight = 0;
        int tied = 0;
        long tiedAt = 0;   // bit i: servers.get(i) is tied at the best load (only the first 64 positions)
        for (int i = 0; i < n; i++) {
            ServerView v = servers.get(i);
            if (!eligible(v, maxLagMillis, gtids, need)) {
                continue;
            }
            long o = Math.max(0, load.outstanding(v.name()));
            // o / w compared with bestLoad / bestWeight without division
            long cmp = first == null ? -1 : o * bestWeight - bestLoad * v.weight();
            if (cmp < 0) {
                first = v;
                bestLoad = o;
                bestWeight = v.weight();
                tiedWeight = v.weight();
                tied = 1;
                tiedAt = bit(i);
            } else if (cmp == 0) {
                tiedWeight += v.weight();
                tied++;
                tiedAt |= bit(i);
            }
        }
        if (tied <= 1) {
            return first;
        }
        long slot = Math.floorMod(rotation, tiedWeight);
        if (n <= Long.SIZE) {
            for (long m = tiedAt; m != 0; m &= m - 1) {
                ServerView v = servers.get(Long.numberOfTrailingZeros(m));
                slot -= v.weight();
                if (slot < 0) {
                    return v;
                }
            }
            return first; // not reached: the tied servers' weights add up to tiedWeight
        }
        for (ServerView v : servers) {
            if (!eligible(v, maxLagMillis, gtids, need)
                    || Math.max(0, load.outstanding(v.name())) * bestWeight != bestLoad * v.weight()) {
                continue;
            }
            slot -= v.weight();
            if (slot < 0) {
                return v;
            }
        }
        return first; // the load moved between the passes (another loop's reads): the first of the tie
    }

    private static long bit(int i) {
        return i < Long.SIZE ? 1L << i : 0;
    }

    private static boolean eligible(ServerView v, long maxLagMillis, GtidView gtids, GtidSet need) {
        return v.readableWithin(maxLagMillis) && (need.isEmpty() || containsSafely(gtids.executed(v.name()), need));
    }

    /** Containment, where sets of two server families (a misconfigured token) contain nothing of each other. */
    private static boolean containsSafely(GtidSet executed, GtidSet need) {
        try {
            return executed.contains(need);
        } catch (IllegalArgumentException flavourMix) {
            return false;
        }
    }

    private static long lagMillis(Duration d) {
        try {
            return d.toMillis();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;   // a budget beyond 292 million years is no budget
        }
    }

    // ---- messages ----

    private static String whyNoSource(TopologySnapshot t) {
        for (ServerView v : t.servers()) {
            if (v.role() == Role.SOURCE) {
                return "the source '" + v.name() + "' is unreachable";
            }
        }
        return "no server has the source role";
    }

    private static String whyNoReplica(TopologySnapshot t, long budget) {
        List<ServerView> replicas = t.replicas();
        if (replicas.isEmpty()) {
            return "no server has the replica role";
        }
        StringBuilder b = new StringBuilder("no replica within ").append(budget).append(" ms lag (");
        for (int i = 0; i < replicas.size(); i++) {
            ServerView v = replicas.get(i);
            if (i > 0) {
                b.append(", ");
            }
            b.append(v.name()).append(": ");
            if (!v.reachable()) {
                b.append("unreachable");
            } else if (!v.replicating()) {
                b.append("not replicating");
            } else if (v.lagMillis() < 0) {
                b.append("lag unknown");
            } else {
                b.append("lag ").append(v.lagMillis()).append(" ms");
            }
        }
        return b.append(')').toString();
    }

    private static String describe(Reason r) {
        return switch (r) {
            case PINNED -> "the session holds temporary tables, locks, user variables or prepared statements there";
            case TRANSACTION_START -> "it opens a transaction";
            case LOCKING_READ -> "a locking read";
            case SOURCE_STATE -> "it reads state only the source has";
            case UNKNOWN_TO_SOURCE -> "Sluice does not understand it";
            case HINT_SOURCE -> "/* sluice:source */";
            case CAUSAL_FALLBACK_SOURCE -> "no replica has applied the transactions this read must see";
            case ROLLBACK_OF_LOST_TRANSACTION -> "rolling back a lost transaction";
            default -> "it writes";
        };
    }
}
