package io.sluice.routing.classify;

import io.sluice.routing.classify.SessionEffect.Assignment;
import io.sluice.routing.classify.SessionEffect.SetCharset;
import io.sluice.routing.classify.SessionEffect.SetTransaction;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Classifies SQL text for the router: what each statement is, where it may run, and what it does to the
 * transaction, the session state and the session's pins. Stateless and thread-safe; a pure function of the text.
 * Use {@link ClassifierCache} in front of it on the query path.
 *
 * <p>The rule throughout: when in doubt, the source. Anything not understood is {@link StatementKind#UNKNOWN}
 * with route {@link Route#SOURCE}; effects are reported only when the statement surely has them.
 *
 * <p>Functions that force the source, wherever they appear in an executed statement:
 * <ul>
 *   <li>{@code GET_LOCK}, {@code RELEASE_LOCK}, {@code RELEASE_ALL_LOCKS}: named locks live on one server and on
 *       one connection; they pin ({@link Pin#NAMED_LOCK}). {@code IS_FREE_LOCK}, {@code IS_USED_LOCK}: only the
 *       source knows the locks other sessions took there.</li>
 *   <li>{@code LAST_INSERT_ID}, {@code @@identity}, {@code @@last_insert_id}, {@code @@insert_id}, {@code LASTVAL},
 *       {@code PREVIOUS VALUE FOR}, {@code @@last_gtid}, {@code CONNECTION_ID}: per-connection state that only the
 *       connection where the writes ran has.</li>
 *   <li>{@code FOUND_ROWS}, {@code ROW_COUNT}, {@code @@warning_count}, {@code @@error_count}: describe the previous
 *       statement on the same connection ({@link StatementFlag#PREVIOUS_STATEMENT_DEPENDENT}).</li>
 *   <li>{@code NEXTVAL}, {@code NEXT VALUE FOR}, {@code SETVAL}: advance a sequence, a write.</li>
 *   <li>{@code MASTER_POS_WAIT}, {@code SOURCE_POS_WAIT}, {@code MASTER_GTID_WAIT}, {@code WAIT_FOR_EXECUTED_GTID_SET},
 *       {@code WAIT_UNTIL_SQL_THREAD_AFTER_GTIDS}: their answer depends on which server runs them and the proxy
 *       cannot know which replica the client meant; on the source every GTID it has seen exists.</li>
 * </ul>
 * Not forcing: {@code SLEEP} (no state), {@code UUID_SHORT} and {@code UUID} (unique on any server, they include
 * its id), {@code RAND}, {@code NOW}.
 */
public final class StatementClassifier {

    /** Classifies {@code sql} (one {@code COM_QUERY} text, possibly several statements). */
    public Classification classify(String sql) {
        return classify(Lexer.lex(sql));
    }

    /** Classifies text already lexed (the cache lexes first to compute the digest). */
    public Classification classify(LexedSql lexed) {
        Hints hints = Hints.parse(lexed);
        List<ClassifiedStatement> statements = new ArrayList<>(1);
        if (!lexed.terminated()) {
            Parser unknown = new Parser(lexed, 0, 0);
            unknown.flags.add(StatementFlag.UNTERMINATED);
            statements.add(unknown.build());
        } else {
            int from = 0;
            while (from < lexed.size()) {
                int end = statementEnd(lexed, from);
                if (end > from) {
                    statements.add(new Parser(lexed, from, end).classify());
                }
                from = end + 1;
            }
            if (statements.isEmpty()) {
                Parser empty = new Parser(lexed, 0, 0);
                empty.kind = StatementKind.EMPTY;
                statements.add(empty.build());
            }
        }
        Route classified = Route.READ;
        boolean replicaAllowed = true;
        for (ClassifiedStatement s : statements) {
            classified = classified.strictest(s.route());
            replicaAllowed &= s.replicaAllowed();
        }
        Route route = classified;
        if (hints.route().isPresent()) {
            Route hinted = hints.route().get();
            if (hinted == Route.SOURCE) {
                route = Route.SOURCE;
            } else if (replicaAllowed) {
                route = Route.READ;
            }
        }
        return new Classification(statements, classified, route, hints, lexed.digest());
    }

    /**
     * The index of the {@code ;} ending the statement that starts at {@code from}, or the token count. Inside a
     * stored program's compound body ({@code CREATE PROCEDURE p() BEGIN SET autocommit=0; ... END}) semicolons do
     * not end the statement: splitting there would report the body's {@code SET autocommit=0} as a session effect
     * and the proxy would replay it on every backend. Blocks are counted by {@code BEGIN} and {@code CASE} against
     * {@code END}, not counting {@code END IF/LOOP/WHILE/REPEAT/FOR}, whose openers are not counted either.
     */
    static int statementEnd(LexedSql lx, int from) {
        int n = lx.size();
        boolean compound = startsStoredProgram(lx, from);
        int depth = 0;
        for (int i = from; i < n; i++) {
            if (lx.type(i) == TokenType.SEMICOLON) {
                if (!compound || depth <= 0) {
                    return i;
                }
            } else if (compound) {
                if (lx.isWord(i, "BEGIN") || lx.isWord(i, "CASE")) {
                    depth++;
                } else if (lx.isWord(i, "END") && !(lx.isWord(i + 1, "IF") || lx.isWord(i + 1, "LOOP")
                        || lx.isWord(i + 1, "WHILE") || lx.isWord(i + 1, "REPEAT") || lx.isWord(i + 1, "FOR"))) {
                    depth--;
                    if (lx.isWord(i + 1, "CASE")) {
                        i++;   // END CASE closes a CASE statement; that CASE opens nothing
                    }
                }
            }
        }
        return n;
    }

    /** {@code CREATE|ALTER ... PROCEDURE|FUNCTION|TRIGGER|EVENT} within its first tokens, or MariaDB {@code BEGIN NOT ATOMIC}. */
    private static boolean startsStoredProgram(LexedSql lx, int from) {
        if (lx.isWord(from, "BEGIN")) {
            return lx.isWord(from + 1, "NOT") && lx.isWord(from + 2, "ATOMIC");
        }
        if (!(lx.isWord(from, "CREATE") || lx.isWord(from, "ALTER"))) {
            return false;
        }
        for (int i = from + 1; i < lx.size() && i <= from + 12 && lx.type(i) != TokenType.SEMICOLON; i++) {
            if (lx.isWord(i, "PROCEDURE") || lx.isWord(i, "FUNCTION") || lx.isWord(i, "TRIGGER") || lx.isWord(i, "EVENT")) {
                return true;
            }
        }
        return false;
    }

    /** Classifies the tokens [from, to) of one statement. Mutable; one use. */
    private static final class Parser {
        private static final EnumSet<StatementFlag> FORCE_SOURCE = EnumSet.of(StatementFlag.WRITES,
                StatementFlag.LOCKING_READ, StatementFlag.INTO_FILE, StatementFlag.SESSION_DEPENDENT,
                StatementFlag.PREVIOUS_STATEMENT_DEPENDENT, StatementFlag.SERVER_SPECIFIC, StatementFlag.SET_GLOBAL,
                StatementFlag.UNTERMINATED);

        private final LexedSql lx;
        private final String sql;
        private final int from;
        private final int to;

        StatementKind kind = StatementKind.UNKNOWN;
        boolean read;
        TransactionEffect tx = TransactionEffect.NONE;
        final EnumSet<StatementFlag> flags = EnumSet.noneOf(StatementFlag.class);
        final List<PinChange> pins = new ArrayList<>(0);
        final List<SessionEffect> session = new ArrayList<>(0);
        KillTarget kill;
        SetStatementPrefix setStatement;

        Parser(LexedSql lx, int from, int to) {
            this.lx = lx;
            this.sql = lx.sql();
            this.from = from;
            this.to = to;
        }

        ClassifiedStatement build() {
            boolean source = !read || pins.size() > 0;
            for (StatementFlag f : flags) {
                source |= FORCE_SOURCE.contains(f);
            }
            return new ClassifiedStatement(kind, source ? Route.SOURCE : Route.READ, tx, flags, pins, session,
                    Optional.ofNullable(kill), Optional.ofNullable(setStatement));
        }

        // ---- token helpers, bounded by this statement ----

        private boolean w(int i, String upper) {
            return i < to && lx.isWord(i, upper);
        }

        private boolean op(int i, String operator) {
            return i < to && lx.isOperator(i, operator);
        }

        private boolean is(int i, TokenType t) {
            return i < to && lx.is(i, t);
        }

        private String upperWord(int i) {
            return lx.text(i).toUpperCase(Locale.ROOT);
        }

        private ClassifiedStatement unknown() {
            Parser u = new Parser(lx, from, to);
            u.flags.addAll(flags);
            u.flags.retainAll(EnumSet.of(StatementFlag.UNTERMINATED));
            return u.build();
        }

        private void acquire(Pin pin) {
            PinChange c = PinChange.acquire(pin);
            if (!pins.contains(c)) {
                pins.add(c);
            }
        }

        private void release(Pin pin) {
            PinChange c = PinChange.release(pin);
            if (!pins.contains(c)) {
                pins.add(c);
            }
        }

        private void releaseAll(Pin pin) {
            PinChange c = PinChange.releaseAll(pin);
            if (!pins.contains(c)) {
                pins.add(c);
            }
        }

        /** The value of an identifier or string token without its quotes. */
        private String unquote(int i) {
            String t = lx.text(i);
            if (t.length() >= 2) {
                char q = t.charAt(0);
                if ((q == '`' || q == '\'' || q == '"') && t.charAt(t.length() - 1) == q) {
                    StringBuilder b = new StringBuilder(t.length());
                    for (int k = 1; k < t.length() - 1; k++) {
                        char c = t.charAt(k);
                        if (c == q && k + 1 < t.length() - 1 && t.charAt(k + 1) == q) {
                            k++;
                        } else if (c == '\\' && q != '`' && k + 1 < t.length() - 1) {
                            c = t.charAt(++k);
                        }
                        b.append(c);
                    }
                    return b.toString();
                }
            }
            return t;
        }

        private boolean isName(int i) {
            return is(i, TokenType.WORD) || is(i, TokenType.QUOTED_IDENT);
        }

        // ---- dispatch ----

        ClassifiedStatement classify() {
            int p = from;
            while (op(p, "(")) {
                p++;
            }
            if (p >= to || !is(p, TokenType.WORD)) {
                return unknown();
            }
            String verb = upperWord(p);
            if (p > from && !(verb.equals("SELECT") || verb.equals("WITH") || verb.equals("TABLE") || verb.equals("VALUES"))) {
                return unknown();
            }
            boolean scan = true;
            switch (verb) {
                case "SELECT", "TABLE", "VALUES" -> query();
                case "WITH" -> {
                    if (!with(p + 1)) {
                        return unknown();
                    }
                }
                case "INSERT" -> write(StatementKind.INSERT);
                case "REPLACE" -> write(StatementKind.REPLACE);
                case "UPDATE" -> write(StatementKind.UPDATE);
                case "DELETE" -> write(StatementKind.DELETE);
                case "LOAD" -> {
                    if (w(p + 1, "DATA") || w(p + 1, "XML")) {
                        write(StatementKind.LOAD_DATA);
                    } else if (w(p + 1, "INDEX")) {
                        implicitCommit(StatementKind.CACHE_INDEX);
                    } else {
                        return unknown();
                    }
                }
                case "SHOW" -> {
                    show(p + 1);
                    scan = false;
                }
                case "DESCRIBE", "DESC", "EXPLAIN" -> {
                    return explain(p);
                }
                case "ANALYZE" -> {
                    if (w(p + 1, "TABLE") || w(p + 1, "TABLES") || w(p + 1, "NO_WRITE_TO_BINLOG") || w(p + 1, "LOCAL")) {
                        implicitCommit(StatementKind.ANALYZE_TABLE);
                        scan = false;
                    } else {
                        return explain(p);
                    }
                }
                case "HELP" -> {
                    kind = StatementKind.HELP;
                    read = true;
                    scan = false;
                }
                case "DO" -> kind = StatementKind.DO;
                case "CALL" -> write(StatementKind.CALL);
                case "SET" -> {
                    if (w(p + 1, "STATEMENT")) {
                        return setStatement(p);
                    }
                    if (!set(p + 1)) {
                        return unknown();
                    }
                }
                case "USE" -> {
                    if (!isName(p + 1) || p + 2 != to) {
                        return unknown();
                    }
                    kind = StatementKind.USE;
                    read = true;
                    session.add(new SessionEffect.UseDatabase(unquote(p + 1)));
                    scan = false;
                }
                case "BEGIN" -> {
                    int i = w(p + 1, "WORK") ? p + 2 : p + 1;
                    if (i != to) {
                        return unknown();  // BEGIN NOT ATOMIC (MariaDB compound statement) and garbage
                    }
                    kind = StatementKind.BEGIN;
                    tx = TransactionEffect.BEGIN;
                    scan = false;
                }
                case "START" -> {
                    if (w(p + 1, "TRANSACTION")) {
                        if (!startTransaction(p + 2)) {
                            return unknown();
                        }
                    } else if (w(p + 1, "SLAVE") || w(p + 1, "REPLICA") || w(p + 1, "ALL") || w(p + 1, "GROUP_REPLICATION")) {
                        implicitCommit(StatementKind.START_REPLICA);
                    } else {
                        return unknown();
                    }
                    scan = false;
                }
                case "STOP" -> {
                    if (!(w(p + 1, "SLAVE") || w(p + 1, "REPLICA") || w(p + 1, "ALL") || w(p + 1, "GROUP_REPLICATION"))) {
                        return unknown();
                    }
                    implicitCommit(StatementKind.STOP_REPLICA);
                    scan = false;
                }
                case "COMMIT" -> {
                    if (!chainRelease(w(p + 1, "WORK") ? p + 2 : p + 1)) {
                        return unknown();
                    }
                    kind = StatementKind.COMMIT;
                    tx = TransactionEffect.COMMIT;
                    scan = false;
                }
                case "ROLLBACK" -> {
                    int i = w(p + 1, "WORK") ? p + 2 : p + 1;
                    kind = StatementKind.ROLLBACK;
                    if (w(i, "TO")) {
                        int s = w(i + 1, "SAVEPOINT") ? i + 2 : i + 1;
                        if (!isName(s) || s + 1 != to) {
                            return unknown();
                        }
                        tx = TransactionEffect.ROLLBACK_TO_SAVEPOINT;
                    } else {
                        if (!chainRelease(i)) {
                            return unknown();
                        }
                        tx = TransactionEffect.ROLLBACK;
                    }
                    scan = false;
                }
                case "SAVEPOINT" -> {
                    if (!isName(p + 1) || p + 2 != to) {
                        return unknown();
                    }
                    kind = StatementKind.SAVEPOINT;
                    tx = TransactionEffect.SAVEPOINT;
                    scan = false;
                }
                case "RELEASE" -> {
                    if (!w(p + 1, "SAVEPOINT") || !isName(p + 2) || p + 3 != to) {
                        return unknown();
                    }
                    kind = StatementKind.RELEASE_SAVEPOINT;
                    tx = TransactionEffect.RELEASE_SAVEPOINT;
                    scan = false;
                }
                case "XA" -> {
                    if (!xa(p + 1)) {
                        return unknown();
                    }
                    scan = false;
                }
                case "LOCK" -> {
                    if (w(p + 1, "TABLE") || w(p + 1, "TABLES")) {
                        implicitCommit(StatementKind.LOCK_TABLES);
                        acquire(Pin.TABLE_LOCK);
                    } else if (w(p + 1, "INSTANCE")) {
                        kind = StatementKind.LOCK_TABLES;
                        acquire(Pin.BACKUP_LOCK);
                    } else {
                        return unknown();
                    }
                    scan = false;
                }
                case "UNLOCK" -> {
                    if (w(p + 1, "TABLE") || w(p + 1, "TABLES")) {
                        release(Pin.TABLE_LOCK);
                    } else if (w(p + 1, "INSTANCE")) {
                        release(Pin.BACKUP_LOCK);
                    } else {
                        return unknown();
                    }
                    kind = StatementKind.UNLOCK_TABLES;
                    scan = false;
                }
                case "CREATE" -> scan = create(p + 1);
                case "DROP" -> {
                    if (w(p + 1, "PREPARE")) {
                        kind = StatementKind.DEALLOCATE_PREPARE;
                        release(Pin.PREPARED_STATEMENT);
                    } else if (w(p + 1, "TEMPORARY")) {
                        write(StatementKind.DROP);
                        release(Pin.TEMPORARY_TABLE);
                    } else {
                        implicitCommit(StatementKind.DROP);
                    }
                    scan = false;
                }
                case "ALTER" -> {
                    implicitCommit(StatementKind.ALTER);
                    scan = false;
                }
                case "RENAME" -> {
                    implicitCommit(StatementKind.RENAME);
                    scan = false;
                }
                case "TRUNCATE" -> {
                    implicitCommit(StatementKind.TRUNCATE);
                    scan = false;
                }
                case "GRANT" -> {
                    implicitCommit(StatementKind.GRANT);
                    scan = false;
                }
                case "REVOKE" -> {
                    implicitCommit(StatementKind.REVOKE);
                    scan = false;
                }
                case "OPTIMIZE" -> {
                    implicitCommit(StatementKind.OPTIMIZE_TABLE);
                    scan = false;
                }
                case "REPAIR" -> {
                    implicitCommit(StatementKind.REPAIR_TABLE);
                    scan = false;
                }
                case "CHECK" -> {
                    // Read-only, but it can mark a table as crashed or upgraded, and it commits: the source.
                    kind = StatementKind.CHECK_TABLE;
                    tx = TransactionEffect.IMPLICIT_COMMIT;
                    scan = false;
                }
                case "CHECKSUM" -> {
                    // Read-only, but checksums exist to compare servers; the one asked for by default is the source.
                    kind = StatementKind.CHECKSUM_TABLE;
                    scan = false;
                }
                case "CACHE" -> {
                    implicitCommit(StatementKind.CACHE_INDEX);
                    scan = false;
                }
                case "FLUSH" -> {
                    implicitCommit(StatementKind.FLUSH);
                    if (containsWords("READ", "LOCK") || containsWords("FOR", "EXPORT")) {
                        acquire(Pin.TABLE_LOCK);  // both are released by UNLOCK TABLES
                    }
                    scan = false;
                }
                case "KILL" -> {
                    kill(p + 1);
                    scan = false;
                }
                case "HANDLER" -> {
                    kind = StatementKind.HANDLER;
                    for (int i = p + 2; i < to && i <= p + 4; i++) {
                        if (w(i, "OPEN")) {
                            acquire(Pin.HANDLER);
                            break;
                        }
                        if (w(i, "CLOSE")) {
                            release(Pin.HANDLER);
                            break;
                        }
                    }
                    scan = false;
                }
                case "SHUTDOWN", "RESTART" -> {
                    write(StatementKind.SHUTDOWN);
                    scan = false;
                }
                case "INSTALL" -> {
                    implicitCommit(StatementKind.INSTALL);
                    scan = false;
                }
                case "UNINSTALL" -> {
                    implicitCommit(StatementKind.UNINSTALL);
                    scan = false;
                }
                case "RESET" -> {
                    if (w(p + 1, "PERSIST")) {
                        write(StatementKind.RESET);
                    } else {
                        implicitCommit(StatementKind.RESET);
                    }
                    scan = false;
                }
                case "PURGE" -> {
                    write(StatementKind.PURGE);
                    scan = false;
                }
                case "CHANGE" -> {
                    if (!(w(p + 1, "MASTER") || w(p + 1, "REPLICATION"))) {
                        return unknown();
                    }
                    implicitCommit(StatementKind.CHANGE_MASTER);
                    scan = false;
                }
                case "PREPARE" -> {
                    kind = StatementKind.PREPARE;
                    acquire(Pin.PREPARED_STATEMENT);
                    scan = false;
                }
                case "EXECUTE" -> {
                    // The prepared text is unknown here, so assume it writes.
                    write(StatementKind.EXECUTE);
                    scan = false;
                }
                case "DEALLOCATE" -> {
                    if (!w(p + 1, "PREPARE")) {
                        return unknown();
                    }
                    kind = StatementKind.DEALLOCATE_PREPARE;
                    release(Pin.PREPARED_STATEMENT);
                    scan = false;
                }
                case "BINLOG" -> {
                    write(StatementKind.BINLOG);
                    scan = false;
                }
                case "SIGNAL", "RESIGNAL" -> {
                    kind = StatementKind.SIGNAL;
                    scan = false;
                }
                case "GET" -> {
                    if (!containsWords("DIAGNOSTICS")) {
                        return unknown();
                    }
                    kind = StatementKind.GET_DIAGNOSTICS;
                    flags.add(StatementFlag.PREVIOUS_STATEMENT_DEPENDENT);
                    scan = false;
                }
                default -> {
                    return unknown();
                }
            }
            if (scan) {
                scan(p);
            }
            return build();
        }

        private void query() {
            kind = StatementKind.SELECT;
            read = true;
        }

        private void write(StatementKind k) {
            kind = k;
            flags.add(StatementFlag.WRITES);
        }

        private void implicitCommit(StatementKind k) {
            write(k);
            tx = TransactionEffect.IMPLICIT_COMMIT;
        }

        private boolean containsWords(String first, String... rest) {
            outer:
            for (int i = from; i < to; i++) {
                if (w(i, first)) {
                    for (int k = 0; k < rest.length; k++) {
                        if (!w(i + 1 + k, rest[k])) {
                            continue outer;
                        }
                    }
                    return true;
                }
            }
            return false;
        }

        /**
         * {@code WITH [RECURSIVE] cte AS (...)[, ...] main}: the main statement is the first word at depth 0 that can
         * start one, or a parenthesised query right after a CTE's closing parenthesis.
         */
        private boolean with(int i) {
            int depth = 0;
            for (; i < to; i++) {
                if (op(i, "(")) {
                    if (depth == 0 && op(i - 1, ")")) {
                        query();
                        return true;
                    }
                    depth++;
                } else if (op(i, ")")) {
                    depth--;
                } else if (depth == 0 && is(i, TokenType.WORD)) {
                    if (w(i, "SELECT") || w(i, "TABLE") || w(i, "VALUES")) {
                        query();
                        return true;
                    }
                    if (w(i, "UPDATE")) {
                        write(StatementKind.UPDATE);
                        return true;
                    }
                    if (w(i, "DELETE")) {
                        write(StatementKind.DELETE);
                        return true;
                    }
                    if (w(i, "INSERT")) {
                        write(StatementKind.INSERT);
                        return true;
                    }
                    if (w(i, "REPLACE")) {
                        write(StatementKind.REPLACE);
                        return true;
                    }
                }
            }
            return false;
        }

        private void show(int i) {
            kind = StatementKind.SHOW;
            read = true;
            int s = i;
            while (w(s, "FULL") || w(s, "GLOBAL") || w(s, "SESSION") || w(s, "EXTENDED")) {
                s++;
            }
            if (w(s, "WARNINGS") || w(s, "ERRORS") || w(s, "COUNT") || w(s, "PROFILE") || w(s, "PROFILES")) {
                flags.add(StatementFlag.PREVIOUS_STATEMENT_DEPENDENT);
            } else if (w(s, "MASTER") || w(s, "BINARY") || w(s, "BINLOG") || w(s, "SLAVE") || w(s, "REPLICA")
                    || w(s, "REPLICAS") || w(s, "RELAYLOG") || w(s, "PROCESSLIST") || w(s, "ALL")) {
                flags.add(StatementFlag.SERVER_SPECIFIC);
            }
        }

        /**
         * {@code DESCRIBE t}, {@code EXPLAIN [FORMAT=..] stmt}: read-only, the statement does not run.
         * {@code EXPLAIN ANALYZE stmt} (MySQL) and {@code ANALYZE [FORMAT=..] stmt} (MariaDB) run it, so they take
         * the inner statement's route and pins. {@code EXPLAIN FOR CONNECTION n} names a source connection id.
         */
        private ClassifiedStatement explain(int p) {
            boolean analyze = w(p, "ANALYZE");
            int i = p + 1;
            if (!analyze && w(i, "ANALYZE")) {
                analyze = true;
                i++;
            }
            boolean statement = analyze;
            while (true) {
                if (w(i, "FORMAT") && op(i + 1, "=")) {
                    statement = true;
                    i = afterValue(i + 2);
                } else if (w(i, "INTO") && is(i + 1, TokenType.USER_VAR)) {
                    statement = true;   // MySQL 8.3 EXPLAIN FORMAT=JSON INTO @v: assigns a user variable
                    acquire(Pin.USER_VARIABLE);
                    i += 2;
                } else if (w(i, "EXTENDED") || w(i, "PARTITIONS")) {
                    statement = true;
                    i++;
                } else {
                    break;
                }
            }
            if (w(i, "FOR") && w(i + 1, "CONNECTION")) {
                kind = StatementKind.EXPLAIN;
                read = true;
                flags.add(StatementFlag.SERVER_SPECIFIC);
                return build();
            }
            if (i >= to) {
                return unknown();
            }
            if (!statement && isName(i)) {
                // DESCRIBE t [col]: a table unless the word starts a statement.
                boolean startsStatement = w(i, "SELECT") || w(i, "WITH") || w(i, "TABLE") || w(i, "VALUES")
                        || w(i, "INSERT") || w(i, "REPLACE") || w(i, "UPDATE") || w(i, "DELETE");
                if (!startsStatement) {
                    kind = StatementKind.DESCRIBE;
                    read = true;
                    return build();
                }
            }
            kind = StatementKind.EXPLAIN;
            if (!analyze) {
                read = true;
                return build();
            }
            ClassifiedStatement inner = new Parser(lx, i, to).classify();
            if (inner.kind() == StatementKind.UNKNOWN) {
                return unknown();
            }
            read = inner.route() == Route.READ;
            flags.addAll(inner.flags());
            flags.add(StatementFlag.EXECUTES_STATEMENT);
            pins.addAll(inner.pins());
            return build();
        }

        /**
         * The index after a one-token option value, skipping signs: the digest folds a sign into its literal, so
         * {@code FORMAT=-1} and {@code FORMAT=1} must parse alike for a cached result to be right for both.
         */
        private int afterValue(int i) {
            while (op(i, "-") || op(i, "+")) {
                i++;
            }
            return i + 1;
        }

        /** MariaDB {@code SET STATEMENT a=1[, ...] FOR inner}: classified as the inner statement, prefix kept. */
        private ClassifiedStatement setStatement(int p) {
            int depth = 0;
            for (int i = p + 2; i < to; i++) {
                if (op(i, "(")) {
                    depth++;
                } else if (op(i, ")")) {
                    depth--;
                } else if (depth == 0 && w(i, "FOR")) {
                    if (i + 1 >= to) {
                        return unknown();
                    }
                    ClassifiedStatement inner = new Parser(lx, i + 1, to).classify();
                    SetStatementPrefix prefix = new SetStatementPrefix(sql.substring(lx.start(p), lx.end(i)), lx.start(i + 1));
                    return new ClassifiedStatement(inner.kind(), inner.route(), inner.transaction(), inner.flags(),
                            inner.pins(), inner.session(), inner.kill(), Optional.of(prefix));
                }
            }
            return unknown();
        }

        /**
         * {@code SET} with a list of assignments. A scope keyword ({@code GLOBAL}, {@code SESSION}, ...) carries over
         * to the following unscoped assignments, as the server's parser does; reading it as sticky errs toward
         * treating an assignment as global (a source write) rather than replaying a global change on every backend.
         */
        private boolean set(int i) {
            kind = StatementKind.SET;
            read = true;
            if (i >= to) {
                return false;
            }
            boolean global = false;
            List<Assignment> assignments = new ArrayList<>(1);
            while (i < to) {
                boolean explicitSession = false;
                if (w(i, "GLOBAL") || w(i, "PERSIST") || w(i, "PERSIST_ONLY")) {
                    global = true;
                    i++;
                } else if (w(i, "SESSION") || w(i, "LOCAL")) {
                    global = false;
                    explicitSession = true;
                    i++;
                }
                if (i >= to) {
                    return false;
                }
                if (w(i, "TRANSACTION")) {
                    return setTransaction(i + 1, global, explicitSession);
                } else if (w(i, "NAMES")) {
                    i = setCharset(i + 1, SetCharset.CharsetCommand.NAMES);
                } else if (w(i, "CHARACTER") && w(i + 1, "SET")) {
                    i = setCharset(i + 2, SetCharset.CharsetCommand.CHARACTER_SET);
                } else if (w(i, "CHARSET")) {
                    i = setCharset(i + 1, SetCharset.CharsetCommand.CHARACTER_SET);
                } else if (w(i, "PASSWORD") || (w(i, "DEFAULT") && w(i + 1, "ROLE"))) {
                    flags.add(StatementFlag.WRITES);
                    tx = TransactionEffect.IMPLICIT_COMMIT;
                    return true;
                } else if (w(i, "ROLE") || (w(i, "RESOURCE") && w(i + 1, "GROUP"))) {
                    session.add(new SessionEffect.Verbatim(sql.substring(lx.start(from), lx.end(to - 1))));
                    return true;
                } else if (is(i, TokenType.USER_VAR)) {
                    if (!(op(i + 1, "=") || op(i + 1, ":="))) {
                        return false;
                    }
                    acquire(Pin.USER_VARIABLE);
                    i = valueEnd(i + 2);
                } else {
                    i = setVariable(i, global, assignments);
                }
                if (i < 0) {
                    return false;
                }
                if (i < to) {
                    if (!op(i, ",")) {
                        return false;
                    }
                    i++;
                    if (i >= to) {
                        return false;
                    }
                }
            }
            if (!assignments.isEmpty()) {
                session.add(new SessionEffect.SetVariables(assignments));
            }
            return true;
        }

        /** Returns the index after the charset clause, or -1. */
        private int setCharset(int i, SetCharset.CharsetCommand command) {
            if (!(isName(i) || is(i, TokenType.STRING))) {
                return -1;
            }
            String charset = unquote(i);
            Optional<String> collation = Optional.empty();
            i++;
            if (command == SetCharset.CharsetCommand.NAMES && w(i, "COLLATE")) {
                if (!(isName(i + 1) || is(i + 1, TokenType.STRING))) {
                    return -1;
                }
                collation = Optional.of(unquote(i + 1));
                i += 2;
            }
            session.add(new SetCharset(command, charset, collation));
            return i;
        }

        /** {@code [@@scope.]name = value}; returns the index after the value, or -1. */
        private int setVariable(int i, boolean global, List<Assignment> assignments) {
            int nameToken = i;
            String name;
            if (is(i, TokenType.SYSTEM_VAR)) {
                String t = lx.text(i).substring(2);
                String lower = t.toLowerCase(Locale.ROOT);
                if (lower.startsWith("global.")) {
                    global = true;
                    t = t.substring(7);
                } else if (lower.startsWith("session.")) {
                    global = false;
                    t = t.substring(8);
                } else if (lower.startsWith("local.")) {
                    global = false;
                    t = t.substring(6);
                } else if (lower.startsWith("persist.") || lower.startsWith("persist_only.")) {
                    global = true;
                    t = t.substring(t.indexOf('.') + 1);
                } else {
                    global = false;   // @@var is the session variable
                }
                name = t.startsWith("`") ? t.substring(1, Math.max(1, t.length() - 1)) : t;
                i++;
            } else if (isName(i)) {
                name = unquote(i);
                i++;
                if (op(i, ".") && isName(i + 1)) {   // component.variable
                    name = name + "." + unquote(i + 1);
                    i += 2;
                }
            } else {
                return -1;
            }
            if (name.isEmpty() || !(op(i, "=") || op(i, ":="))) {
                return -1;
            }
            int valueStart = i + 1;
            int end = valueEnd(valueStart);
            if (end < 0) {
                return -1;
            }
            name = name.toLowerCase(Locale.ROOT);
            if (global) {
                flags.add(StatementFlag.SET_GLOBAL);
                return end;
            }
            if (name.equals("autocommit") && end == valueStart + 1) {
                int v = lx.start(valueStart);
                String value = unquote(valueStart).toUpperCase(Locale.ROOT);
                Boolean on = switch (value) {
                    case "1", "ON", "TRUE" -> Boolean.TRUE;
                    case "0", "OFF", "FALSE" -> Boolean.FALSE;
                    default -> null;
                };
                if (on != null && v >= 0) {
                    session.add(new SessionEffect.SetAutocommit(on));
                    return end;
                }
            }
            String value = sql.substring(lx.start(valueStart), lx.end(end - 1));
            String text = sql.substring(lx.start(nameToken), lx.end(end - 1));
            assignments.add(new Assignment(name, value, text));
            return end;
        }

        /** The index of the depth-0 comma ending a value starting at {@code i} (or {@code to}); -1 if empty. */
        private int valueEnd(int i) {
            int depth = 0;
            int k = i;
            for (; k < to; k++) {
                if (op(k, "(")) {
                    depth++;
                } else if (op(k, ")")) {
                    depth--;
                } else if (depth == 0 && op(k, ",")) {
                    break;
                }
            }
            return k > i ? k : -1;
        }

        private boolean setTransaction(int i, boolean global, boolean explicitSession) {
            SetTransaction.IsolationLevel isolation = null;
            SetTransaction.AccessMode access = null;
            while (i < to) {
                if (w(i, "ISOLATION") && w(i + 1, "LEVEL")) {
                    i += 2;
                    if (w(i, "READ") && w(i + 1, "UNCOMMITTED")) {
                        isolation = SetTransaction.IsolationLevel.READ_UNCOMMITTED;
                        i += 2;
                    } else if (w(i, "READ") && w(i + 1, "COMMITTED")) {
                        isolation = SetTransaction.IsolationLevel.READ_COMMITTED;
                        i += 2;
                    } else if (w(i, "REPEATABLE") && w(i + 1, "READ")) {
                        isolation = SetTransaction.IsolationLevel.REPEATABLE_READ;
                        i += 2;
                    } else if (w(i, "SERIALIZABLE")) {
                        isolation = SetTransaction.IsolationLevel.SERIALIZABLE;
                        i++;
                    } else {
                        return false;
                    }
                } else if (w(i, "READ") && w(i + 1, "ONLY")) {
                    access = SetTransaction.AccessMode.READ_ONLY;
                    i += 2;
                } else if (w(i, "READ") && w(i + 1, "WRITE")) {
                    access = SetTransaction.AccessMode.READ_WRITE;
                    i += 2;
                } else {
                    return false;
                }
                if (i < to && (!op(i++, ",") || i == to)) {
                    return false;
                }
            }
            if (isolation == null && access == null) {
                return false;
            }
            if (global) {
                flags.add(StatementFlag.SET_GLOBAL);
            } else {
                session.add(new SetTransaction(explicitSession ? SetTransaction.Scope.SESSION : SetTransaction.Scope.NEXT_TRANSACTION,
                        Optional.ofNullable(isolation), Optional.ofNullable(access)));
            }
            return true;
        }

        /** {@code START TRANSACTION [WITH CONSISTENT SNAPSHOT | READ ONLY | READ WRITE][, ...]}. */
        private boolean startTransaction(int i) {
            kind = StatementKind.BEGIN;
            tx = TransactionEffect.BEGIN;
            while (i < to) {
                if (w(i, "WITH") && w(i + 1, "CONSISTENT") && w(i + 2, "SNAPSHOT")) {
                    flags.add(StatementFlag.CONSISTENT_SNAPSHOT);
                    i += 3;
                } else if (w(i, "READ") && w(i + 1, "ONLY")) {
                    tx = TransactionEffect.BEGIN_READ_ONLY;
                    i += 2;
                } else if (w(i, "READ") && w(i + 1, "WRITE")) {
                    tx = TransactionEffect.BEGIN_READ_WRITE;
                    i += 2;
                } else {
                    return false;
                }
                if (i < to && (!op(i++, ",") || i == to)) {
                    return false;
                }
            }
            // A read-only transaction may be served by a replica; any other may write, so it starts on the source.
            read = tx == TransactionEffect.BEGIN_READ_ONLY;
            return true;
        }

        /** {@code [AND [NO] CHAIN] [[NO] RELEASE]} to the end of the statement. */
        private boolean chainRelease(int i) {
            if (w(i, "AND")) {
                if (w(i + 1, "NO") && w(i + 2, "CHAIN")) {
                    i += 3;
                } else if (w(i + 1, "CHAIN")) {
                    flags.add(StatementFlag.CHAIN);
                    i += 2;
                } else {
                    return false;
                }
            }
            if (w(i, "NO") && w(i + 1, "RELEASE")) {
                i += 2;
            } else if (w(i, "RELEASE")) {
                flags.add(StatementFlag.RELEASE);
                i++;
            }
            return i == to;
        }

        private boolean xa(int i) {
            kind = StatementKind.XA;
            if (w(i, "START") || w(i, "BEGIN")) {
                tx = TransactionEffect.XA_START;
            } else if (w(i, "END")) {
                tx = TransactionEffect.XA_END;
            } else if (w(i, "PREPARE")) {
                tx = TransactionEffect.XA_PREPARE;
            } else if (w(i, "COMMIT")) {
                tx = TransactionEffect.XA_COMMIT;
            } else if (w(i, "ROLLBACK")) {
                tx = TransactionEffect.XA_ROLLBACK;
            } else if (w(i, "RECOVER")) {
                tx = TransactionEffect.XA_RECOVER;
            } else {
                return false;
            }
            return true;
        }

        /**
         * {@code CREATE [OR REPLACE] TEMPORARY TABLE} pins and does not commit; other {@code CREATE}s commit.
         * Only {@code CREATE TABLE} runs its body now ({@code ... AS SELECT}); routine and view bodies are not
         * scanned for functions, which run later, elsewhere. Returns whether to scan.
         */
        private boolean create(int i) {
            int t = w(i, "OR") && w(i + 1, "REPLACE") ? i + 2 : i;
            if (w(t, "TEMPORARY")) {
                write(StatementKind.CREATE);
                acquire(Pin.TEMPORARY_TABLE);
                return true;
            }
            implicitCommit(StatementKind.CREATE);
            return w(t, "TABLE");
        }

        private void kill(int i) {
            kind = StatementKind.KILL;
            flags.add(StatementFlag.INTERCEPT);
            if (w(i, "HARD") || w(i, "SOFT")) {
                i++;
            }
            boolean query = false;
            if (w(i, "CONNECTION")) {
                i++;
            } else if (w(i, "QUERY")) {
                query = true;
                i++;
            }
            if (is(i, TokenType.NUMBER) && i + 1 == to) {
                int s = lx.start(i);
                int e = lx.end(i);
                if (e - s <= 18) {
                    long id = 0;
                    for (int k = s; k < e; k++) {
                        char c = sql.charAt(k);
                        if (c < '0' || c > '9') {
                            return;
                        }
                        id = id * 10 + (c - '0');
                    }
                    kill = new KillTarget(query, id);
                }
            }
        }

        /** Looks through an executed statement for locking reads, {@code INTO}, assignments and stateful functions. */
        private void scan(int p) {
            for (int i = p; i < to; i++) {
                switch (lx.type(i)) {
                    case WORD -> scanWord(i);
                    case QUOTED_IDENT -> {
                        if (op(i + 1, "(")) {
                            function(i);
                        }
                    }
                    case USER_VAR -> {
                        if (op(i + 1, ":=")) {
                            acquire(Pin.USER_VARIABLE);
                        }
                    }
                    case SYSTEM_VAR -> scanSystemVariable(i);
                    default -> {
                    }
                }
            }
        }

        private void scanWord(int i) {
            if (op(i + 1, "(")) {
                function(i);
                return;
            }
            if (w(i, "FOR") && (w(i + 1, "UPDATE") || w(i + 1, "SHARE"))) {
                flags.add(StatementFlag.LOCKING_READ);
            } else if (w(i, "LOCK") && w(i + 1, "IN") && w(i + 2, "SHARE") && w(i + 3, "MODE")) {
                flags.add(StatementFlag.LOCKING_READ);
            } else if (w(i, "INTO")) {
                if (w(i + 1, "OUTFILE") || w(i + 1, "DUMPFILE")) {
                    flags.add(StatementFlag.INTO_FILE);
                } else if (is(i + 1, TokenType.USER_VAR)) {
                    acquire(Pin.USER_VARIABLE);
                }
            } else if (w(i + 1, "VALUE") && w(i + 2, "FOR")) {
                if (w(i, "NEXT")) {
                    flags.add(StatementFlag.WRITES);
                } else if (w(i, "PREVIOUS")) {
                    flags.add(StatementFlag.SESSION_DEPENDENT);
                }
            }
        }

        /**
         * A word or quoted identifier followed by {@code (}: the server resolves a quoted name to the built-in
         * function too ({@code `get_lock`(..)} is {@code GET_LOCK}); {@code db.f(..)} is a stored function.
         */
        private void function(int i) {
            if (op(i - 1, ".")) {
                return;
            }
            int s = lx.start(i);
            int e = lx.end(i);
            if (lx.type(i) == TokenType.QUOTED_IDENT) {
                s++;
                e--;
            }
            int len = e - s;
            if (len < 6 || len > 33) {
                return;   // no watched name is shorter than SETVAL or longer than WAIT_UNTIL_SQL_THREAD_AFTER_GTIDS
            }
            if (regionIs(s, e, "get_lock")) {
                flags.add(StatementFlag.SESSION_DEPENDENT);
                acquire(Pin.NAMED_LOCK);
            } else if (regionIs(s, e, "release_lock")) {
                flags.add(StatementFlag.SESSION_DEPENDENT);
                release(Pin.NAMED_LOCK);
            } else if (regionIs(s, e, "release_all_locks")) {
                flags.add(StatementFlag.SESSION_DEPENDENT);
                releaseAll(Pin.NAMED_LOCK);
            } else if (regionIs(s, e, "is_free_lock") || regionIs(s, e, "is_used_lock") || regionIs(s, e, "last_insert_id")
                    || regionIs(s, e, "lastval") || regionIs(s, e, "connection_id")) {
                flags.add(StatementFlag.SESSION_DEPENDENT);
            } else if (regionIs(s, e, "found_rows") || regionIs(s, e, "row_count")) {
                flags.add(StatementFlag.PREVIOUS_STATEMENT_DEPENDENT);
            } else if (regionIs(s, e, "nextval") || regionIs(s, e, "setval")) {
                flags.add(StatementFlag.WRITES);
            } else if (regionIs(s, e, "master_pos_wait") || regionIs(s, e, "source_pos_wait")
                    || regionIs(s, e, "master_gtid_wait") || regionIs(s, e, "wait_for_executed_gtid_set")
                    || regionIs(s, e, "wait_until_sql_thread_after_gtids")) {
                flags.add(StatementFlag.SERVER_SPECIFIC);
            }
        }

        private void scanSystemVariable(int i) {
            int s = lx.start(i) + 2;
            int e = lx.end(i);
            int dot = sql.indexOf('.', s);
            if (dot >= 0 && dot < e) {
                s = dot + 1;
            }
            if (regionIs(s, e, "identity") || regionIs(s, e, "last_insert_id") || regionIs(s, e, "insert_id")
                    || regionIs(s, e, "last_gtid")) {
                flags.add(StatementFlag.SESSION_DEPENDENT);
            } else if (regionIs(s, e, "warning_count") || regionIs(s, e, "error_count")) {
                flags.add(StatementFlag.PREVIOUS_STATEMENT_DEPENDENT);
            }
        }

        private boolean regionIs(int s, int e, String lower) {
            return e - s == lower.length() && sql.regionMatches(true, s, lower, 0, lower.length());
        }
    }
}
