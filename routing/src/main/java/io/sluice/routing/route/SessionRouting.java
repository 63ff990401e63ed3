package io.sluice.routing.route;

import io.sluice.protocol.ServerStatus;
import io.sluice.protocol.gtid.GtidSet;
import io.sluice.routing.classify.Classification;
import io.sluice.routing.classify.ClassifiedStatement;
import io.sluice.routing.classify.Consistency;
import io.sluice.routing.classify.Pin;
import io.sluice.routing.classify.PinChange;
import io.sluice.routing.classify.SessionEffect;
import io.sluice.routing.classify.TransactionEffect;
import io.sluice.routing.route.RouteDecision.ToServer;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the router must remember about one client session: its transaction (none; bound to a server; about to open
 * one because {@code autocommit=0}), its pins, whether autocommit is on, where its previous statement ran, and a
 * rotation counter that spreads equally good replica choices.
 *
 * <h2>Threading</h2>
 * A small mutable state machine owned by one {@code FrontendSession} and used only on that session's event loop:
 * no locks, no atomics. (Mutable rather than a value because it changes on every statement and nobody else reads
 * it; a value would allocate per statement for no reader.) {@link Router} only reads it.
 *
 * <h2>Use, per statement</h2>
 * <ol>
 *   <li>{@code d = router.route(classification, state, topology, load, gtids)}. On {@link RouteDecision.Refuse},
 *       answer ERR and report {@link #onRefused()}. On {@link RouteDecision.Wait}, wait as it says, report
 *       {@link #onCausalWaitOver()} and route again.</li>
 *   <li>On {@link ToServer}: {@link #onStatementSent} with the same classification, then send it.</li>
 *   <li>When the last result of the text arrives: OK/EOF → {@link #onStatementDone(int)} with its status flags (the
 *       last one when {@code SERVER_MORE_RESULTS_EXISTS} chains several); ERR → {@link #onStatementFailed()}.</li>
 *   <li>{@code COM_RESET_CONNECTION} or {@code COM_CHANGE_USER} succeeded → {@link #reset()}.</li>
 * </ol>
 *
 * <h2>GTIDs: what the session's reads must see</h2>
 * {@link #required()} is the set of transactions a {@code session} or {@code global} read must find applied on the
 * server that runs it: the GTID of every write the session committed ({@link #onWrite}, from the OK packet's session
 * tracking), what the servers it read from had applied when each read ended ({@link #onRead}: monotonic reads), and
 * tokens handed to it ({@link #readAfter}). It only grows: a reset of the connection keeps it, since the application
 * behind the connection still expects to see what it wrote. {@link #required()} is also the session's token
 * ({@code SELECT sluice_last_gtid()}).
 *
 * <h2>Truth and guesses</h2>
 * The server's {@code SERVER_STATUS_IN_TRANS} flag is the truth about the transaction: a binding made from the
 * statement's text when it is sent (a guess, so the statement after {@code BEGIN} already follows it) ends when the
 * server reports no transaction (after {@code COMMIT}, {@code ROLLBACK}, an implicit commit by DDL, a deadlock
 * rollback), and one appears when the server reports a transaction the text did not announce ({@code CALL} of a
 * procedure that began one). Likewise {@code SERVER_STATUS_AUTOCOMMIT}.
 *
 * <p>Pins err towards staying pinned. Acquisitions count as soon as the statement is sent; releases only once it
 * succeeded. How each pin is released:
 * <ul>
 *   <li>{@link Pin#TABLE_LOCK}, {@link Pin#BACKUP_LOCK}: one {@code UNLOCK TABLES}/{@code UNLOCK INSTANCE} releases
 *       them all.</li>
 *   <li>{@link Pin#PREPARED_STATEMENT}, {@link Pin#HANDLER}: counted; {@code DEALLOCATE PREPARE}/{@code HANDLER
 *       CLOSE} release one each. A release of something that does not exist fails on the server and is not
 *       counted; a re-{@code PREPARE} of the same name over-counts, which only keeps the pin.</li>
 *   <li>{@link Pin#NAMED_LOCK}: only {@code RELEASE_ALL_LOCKS()} or a reset. {@code RELEASE_LOCK('x')} does not
 *       unpin: one statement may take several locks and is reported as one acquisition, and releasing a lock
 *       not held succeeds (returning 0), so a count could reach zero with a lock still held.</li>
 *   <li>{@link Pin#TEMPORARY_TABLE}: only a reset. {@code DROP TEMPORARY TABLE IF EXISTS t} succeeds whether or not
 *       {@code t} existed, so counting drops could unpin a session that still has a table.</li>
 *   <li>{@link Pin#USER_VARIABLE}: only a reset; a variable cannot be undefined.</li>
 * </ul>
 */
public final class SessionRouting {
    private static final Pin[] PINS = Pin.values();

    private boolean autocommit = true;
    private String transactionServer;
    private boolean transactionOnReplica;
    private final int[] pins = new int[PINS.length];
    private String lastServer;
    private long rotation;
    private Consistency consistency;
    private GtidSet required = GtidSet.empty();
    private GtidSet written = GtidSet.empty();
    private boolean causalWaitOver;
    private Duration causalWait;

    private Classification pending;
    private ToServer pendingDecision;
    private final int[] pinsBeforePending = new int[PINS.length];
    /** Whether {@link #pending} acquires or releases a pin: only then are {@link #pins} saved and restored. */
    private boolean pendingPins;

    /**
     * A fresh session: autocommit on, no transaction, no pins.
     *
     * @param seed starts the replica rotation, so that sessions do not all begin on the same replica (the
     *             connection id is a good seed)
     */
    public SessionRouting(long seed) {
        this.rotation = seed;
    }

    // ---- reading ----

    /** Whether a transaction is open (or announced by a statement in flight), bound to {@link #transactionServer()}. */
    public boolean inTransaction() {
        return transactionServer != null;
    }

    public Optional<String> transactionServer() {
        return Optional.ofNullable(transactionServer);
    }

    /** Whether the open transaction is a {@code READ ONLY} one served by a replica. */
    public boolean transactionOnReplica() {
        return transactionServer != null && transactionOnReplica;
    }

    /** Whether autocommit is on; off means the next statement opens a transaction. */
    public boolean autocommit() {
        return autocommit;
    }

    /** Whether any pin holds the session on the source. */
    public boolean pinned() {
        for (int n : pins) {
            if (n > 0) {
                return true;
            }
        }
        return false;
    }

    public int pinCount(Pin pin) {
        return pins[pin.ordinal()];
    }

    /** Where the previous statement was sent. */
    public Optional<String> lastServer() {
        return Optional.ofNullable(lastServer);
    }

    /** Whether a statement was sent and its outcome not reported yet. */
    public boolean awaitingResponse() {
        return pending != null;
    }

    /** The level the session chose with {@code SET sluice_consistency}; empty: the configured default. */
    public Optional<Consistency> consistency() {
        return Optional.ofNullable(consistency);
    }

    /** The wait the session chose with {@code SET sluice_causal_wait}; empty: the configured one. */
    public Optional<Duration> causalWait() {
        return Optional.ofNullable(causalWait);
    }

    /** Everything this session's consistent reads must see (see the class comment); also its token. */
    public GtidSet required() {
        return required;
    }

    /** The GTIDs of the writes this session committed (for operators: {@code SHOW SESSIONS}). */
    public GtidSet written() {
        return written;
    }

    /** Whether the statement about to be routed already waited for a replica to catch up. */
    public boolean causalWaitOver() {
        return causalWaitOver;
    }

    /** The tie-break rotation for replica choice; advances with every replica chosen. */
    long rotation() {
        return rotation;
    }

    // ---- events ----

    /** {@code SET sluice_consistency}: the level of this session's next reads; null returns to the default. */
    public void consistency(Consistency level) {
        consistency = level;
    }

    /** {@code SET sluice_causal_wait}: how long this session's consistent reads wait; null returns to the default. */
    public void causalWait(Duration wait) {
        causalWait = wait;
    }

    /**
     * A write committed with these GTIDs (from the OK packet): the session's reads must see them from now on.
     * MariaDB reports one GTID per commit; MySQL may report a set.
     */
    public void onWrite(GtidSet gtids) {
        if (!gtids.isEmpty() && !written.contains(gtids)) {
            written = written.union(gtids);
        }
        require(gtids);
    }

    /**
     * A statement ended on a server that had applied {@code executed} at that moment: what the session saw there,
     * which a later read must not go back before (monotonic reads).
     */
    public void onRead(GtidSet executed) {
        require(executed);
    }

    /**
     * A failover promoted a server whose executed set was {@code survived}. Returns the GTIDs of this session's
     * acknowledged writes that are not in it (lost with the old source; empty when none were), and rebases the
     * session on what survived: its reads no longer wait for transactions no server will ever have. (Comparing with
     * the set at promotion matters on MariaDB, where the new source's later writes reuse sequence numbers.)
     */
    public GtidSet afterFailover(GtidSet survived) {
        GtidSet lost;
        try {
            lost = written.subtract(survived);
        } catch (IllegalArgumentException flavourMix) {
            lost = written;
        }
        if (!lost.isEmpty()) {
            written = GtidSet.empty();
        }
        boolean keep;
        try {
            keep = survived.contains(required);
        } catch (IllegalArgumentException flavourMix) {
            keep = false;
        }
        if (!keep) {
            required = survived;
        }
        return lost;
    }

    /** {@code SET sluice_read_after = '<token>'}: the next reads must see the token's transactions too. */
    public void readAfter(GtidSet token) {
        require(token);
    }

    private void require(GtidSet gtids) {
        if (gtids.isEmpty() || required.contains(gtids)) {
            return;   // the common case allocates nothing
        }
        try {
            required = required.union(gtids);
        } catch (IllegalArgumentException flavourMix) {
            // A MySQL token handed to a MariaDB session (or the reverse) names nothing these servers can have.
            throw new IllegalArgumentException("GTID set '" + gtids + "' is not of the same server family as '"
                    + required + "'", flavourMix);
        }
    }

    /** The router refused the statement (the session answered ERR); nothing else changes. */
    public void onRefused() {
        causalWaitOver = false;
    }

    /** The wait for a replica to catch up ended (reached or timed out): route again, without waiting again. */
    public void onCausalWaitOver() {
        causalWaitOver = true;
    }

    /**
     * The statement classified as {@code c} is being sent as {@code decision} says. Records the guesses that must
     * hold from now on: a transaction the text opens is bound to the target, and pins it acquires count at once.
     *
     * @throws IllegalStateException if the previous statement's outcome was not reported
     */
    public void onStatementSent(Classification c, ToServer decision) {
        Objects.requireNonNull(c, "c");
        Objects.requireNonNull(decision, "decision");
        if (pending != null) {
            throw new IllegalStateException("a statement is already in flight; report its outcome first");
        }
        pending = c;
        pendingDecision = decision;
        causalWaitOver = false;
        lastServer = decision.server();
        if (decision.replica()) {
            rotation++;
        }
        // Most statements touch no pin: then there is nothing to save now or to restore when they end.
        pendingPins = any(c, true);
        if (pendingPins) {
            System.arraycopy(pins, 0, pinsBeforePending, 0, pins.length);
            for (ClassifiedStatement s : c.statements()) {
                for (PinChange p : s.pins()) {
                    if (p.action() == PinChange.Action.ACQUIRE) {
                        pins[p.pin().ordinal()]++;
                    }
                }
            }
        }
        if (transactionServer != null && decision.endsTransactionOn().isPresent()) {
            transactionServer = null;   // left the replica's read-only transaction; the session ends it there
        }
        if (transactionServer == null && (!autocommit || opensTransaction(c))) {
            bind(decision.server(), decision.replica());
        }
    }

    /**
     * The statement in flight succeeded; {@code serverStatus} holds the status flags of its last OK or EOF packet.
     * {@code SERVER_STATUS_IN_TRANS} and {@code SERVER_STATUS_AUTOCOMMIT} are taken as the truth.
     */
    public void onStatementDone(int serverStatus) {
        done(ServerStatus.has(serverStatus, ServerStatus.IN_TRANS), true,
                ServerStatus.has(serverStatus, ServerStatus.AUTOCOMMIT));
    }

    /**
     * As {@link #onStatementDone(int)}, when only the in-transaction flag is known; autocommit is then tracked from
     * the statements ({@code SET autocommit = <not a literal>} counts as off, which keeps the session on the source).
     */
    public void onStatementDone(boolean inTransaction) {
        done(inTransaction, false, false);
    }

    /**
     * The statement in flight failed (ERR). An ERR carries no status flags, so the transaction binding stays until
     * the next OK tells (a deadlock rolls the transaction back; the next statement goes to the same server and its
     * OK ends the binding). Releases and autocommit changes are dropped; acquisitions stay (a multi-statement text
     * may have run its first statements).
     */
    public void onStatementFailed() {
        pending = null;
        pendingDecision = null;
        causalWaitOver = false;
    }

    /**
     * {@code COM_RESET_CONNECTION} or {@code COM_CHANGE_USER}: no transaction, no pins, autocommit on, the default
     * consistency and causal wait. The GTIDs the session must see stay (see the class comment).
     */
    public void reset() {
        autocommit = true;
        consistency = null;
        causalWait = null;
        causalWaitOver = false;
        transactionServer = null;
        transactionOnReplica = false;
        Arrays.fill(pins, 0);
        lastServer = null;
        pending = null;
        pendingDecision = null;
    }

    // ---- internals ----

    /**
     * The statement in flight ended well: its pins and session effects apply, then what the server reported.
     *
     * @param autocommitKnown whether the server reported its autocommit flag, {@code serverAutocommit}
     */
    private void done(boolean inTransaction, boolean autocommitKnown, boolean serverAutocommit) {
        if (pending != null) {
            if (pendingPins) {
                System.arraycopy(pinsBeforePending, 0, pins, 0, pins.length);
                for (ClassifiedStatement s : pending.statements()) {
                    for (PinChange p : s.pins()) {
                        apply(p);
                    }
                }
            }
            if (any(pending, false)) {
                for (ClassifiedStatement s : pending.statements()) {
                    for (SessionEffect e : s.session()) {
                        if (e instanceof SessionEffect.SetAutocommit a) {
                            autocommit = a.enabled();
                        } else if (e instanceof SessionEffect.SetVariables v && v.names().contains("autocommit")) {
                            autocommit = false;   // a value we cannot read: assume a transaction may open
                        }
                    }
                }
            }
        }
        if (autocommitKnown) {
            autocommit = serverAutocommit;
        }
        if (!inTransaction) {
            transactionServer = null;
        } else if (transactionServer == null) {
            if (pendingDecision != null) {
                bind(pendingDecision.server(), pendingDecision.replica());
            } else if (lastServer != null) {
                bind(lastServer, false);
            }
        }
        pending = null;
        pendingDecision = null;
    }

    /** Whether a statement of {@code c} changes a pin ({@code pins}), or else has a session effect. */
    private static boolean any(Classification c, boolean pins) {
        List<ClassifiedStatement> statements = c.statements();
        for (int i = 0; i < statements.size(); i++) {
            ClassifiedStatement s = statements.get(i);
            if (!(pins ? s.pins() : s.session()).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private void apply(PinChange p) {
        int i = p.pin().ordinal();
        switch (p.action()) {
            case ACQUIRE -> pins[i]++;
            case RELEASE_ALL -> pins[i] = 0;
            case RELEASE -> {
                switch (p.pin()) {
                    case TABLE_LOCK, BACKUP_LOCK -> pins[i] = 0;
                    case PREPARED_STATEMENT, HANDLER -> pins[i] = Math.max(0, pins[i] - 1);
                    case NAMED_LOCK, TEMPORARY_TABLE, USER_VARIABLE -> {
                        // released only by RELEASE_ALL or reset(): see the class comment
                    }
                }
            }
        }
    }

    private void bind(String server, boolean onReplica) {
        transactionServer = server;
        transactionOnReplica = onReplica;
    }

    private static boolean opensTransaction(Classification c) {
        for (ClassifiedStatement s : c.statements()) {
            TransactionEffect t = s.transaction();
            if (t == TransactionEffect.BEGIN || t == TransactionEffect.BEGIN_READ_ONLY
                    || t == TransactionEffect.BEGIN_READ_WRITE || t == TransactionEffect.XA_START) {
                return true;
            }
        }
        return false;
    }
}
