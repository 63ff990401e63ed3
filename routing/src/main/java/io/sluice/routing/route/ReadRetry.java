package io.sluice.routing.route;

import io.sluice.routing.classify.Classification;
import io.sluice.routing.classify.ClassifiedStatement;
import io.sluice.routing.classify.Route;
import io.sluice.routing.classify.StatementFlag;
import io.sluice.routing.classify.TransactionEffect;

import java.util.EnumSet;
import java.util.Set;

/**
 * Whether a statement whose server died under it (the connection closed, not an ERR the server sent) may run once
 * more elsewhere without the client being able to tell, as MaxScale's {@code retry_failed_reads} and ProxySQL's
 * {@code mysql-query_retries_on_failure} do for reads. The session decides this before sending the statement, from
 * the session's state as it was then; it also needs that no byte of the response reached the client, which only
 * it knows.
 *
 * <p>The rule is conservative: when in doubt, no. Running a statement twice must be invisible, so it must not have
 * changed anything anywhere the first time (the server may have died after committing), and its answer must not
 * depend on the connection it ran on:
 * <ul>
 *   <li>the session is in autocommit mode, outside a transaction, with no pins (temporary tables, named locks, user
 *       variables, SQL prepared statements, table locks: state a new connection cannot have);</li>
 *   <li>the text is one statement ({@code a; b} may have run {@code a}), a read by its own classification (hints
 *       aside), of a read-only kind ({@code SELECT}, {@code SHOW}, {@code DESCRIBE}, {@code EXPLAIN}, {@code HELP});</li>
 *   <li>it writes nothing ({@code NEXTVAL}, {@code INTO OUTFILE}, {@code EXPLAIN ANALYZE} of a write), locks nothing
 *       ({@code FOR UPDATE}, {@code LOCK IN SHARE MODE}, {@code GET_LOCK}), assigns no user variable, changes no
 *       session state, and reads nothing that belongs to one connection or one server ({@code LAST_INSERT_ID()},
 *       {@code FOUND_ROWS()}, {@code CONNECTION_ID()}, replication waits).</li>
 * </ul>
 * {@code SLEEP}, {@code NOW()}, {@code RAND()} are fine: another run gives another answer the first run could have
 * given. A stored function called without its schema cannot be told from a built-in; one that writes would have
 * been routed like any read (and refused by a {@code read_only} replica).
 */
public final class ReadRetry {
    /** Flags of a statement whose second run could differ from, or add to, the first. */
    private static final Set<StatementFlag> UNSAFE = EnumSet.of(StatementFlag.WRITES, StatementFlag.LOCKING_READ,
            StatementFlag.INTO_FILE, StatementFlag.SESSION_DEPENDENT, StatementFlag.PREVIOUS_STATEMENT_DEPENDENT,
            StatementFlag.SERVER_SPECIFIC, StatementFlag.SET_GLOBAL, StatementFlag.EXECUTES_STATEMENT,
            StatementFlag.INTERCEPT, StatementFlag.UNTERMINATED, StatementFlag.CONSISTENT_SNAPSHOT);

    private ReadRetry() {
    }

    /**
     * Whether {@code c}, about to be sent for a session in state {@code s} (before
     * {@link SessionRouting#onStatementSent}), may be sent again to another server if its server is lost before any
     * of its response reached the client.
     */
    public static boolean safeToRepeat(Classification c, SessionRouting s) {
        if (s.inTransaction() || !s.autocommit() || s.pinned()) {
            return false;
        }
        if (c.multiStatement() || c.classifiedRoute() != Route.READ) {
            return false;
        }
        ClassifiedStatement st = c.first();
        if (!st.kind().readOnly() || st.kind() == io.sluice.routing.classify.StatementKind.USE) {
            return false;
        }
        if (st.transaction() != TransactionEffect.NONE || !st.pins().isEmpty() || !st.session().isEmpty()
                || st.kill().isPresent()) {
            return false;
        }
        for (StatementFlag f : st.flags()) {
            if (UNSAFE.contains(f)) {
                return false;
            }
        }
        return true;
    }
}
