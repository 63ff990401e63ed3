package io.sluice.proxy.session;

import io.sluice.routing.classify.SessionEffect;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The session state a client set with SQL that Sluice must carry to every backend connection the session uses:
 * current database, character set, session variables, autocommit, session transaction characteristics and
 * other session-scoped SETs. Values keep the text the client wrote, so replay sends what the client sent.
 *
 * <p>{@link #snapshot()} gives an immutable {@link Snapshot}; a backend connection remembers the snapshot it has
 * applied, and {@link Snapshot#replayFrom(Snapshot)} lists what it lacks. Confined to the session's event loop.
 */
public final class SessionState {
    private String database;
    private String charset;
    private final Map<String, String> variables = new LinkedHashMap<>();
    private Boolean autocommit;
    private final List<String> transactionCharacteristics = new ArrayList<>();
    private final List<String> verbatim = new ArrayList<>();
    private Snapshot snapshot;

    public SessionState(String database) {
        this.database = database == null || database.isEmpty() ? null : database;
    }

    /** Applies the effects of a statement the server accepted. */
    public void apply(List<SessionEffect> effects) {
        for (SessionEffect e : effects) {
            if (e instanceof SessionEffect.UseDatabase use) {
                database = use.schema();
            } else if (e instanceof SessionEffect.SetCharset cs) {
                charset = (cs.command() == SessionEffect.SetCharset.CharsetCommand.NAMES
                        ? "SET NAMES " : "SET CHARACTER SET ") + cs.charset()
                        + cs.collation().map(c -> " COLLATE " + c).orElse("");
            } else if (e instanceof SessionEffect.SetAutocommit ac) {
                autocommit = ac.enabled();
            } else if (e instanceof SessionEffect.SetTransaction tx) {
                if (tx.scope() == SessionEffect.SetTransaction.Scope.SESSION) {
                    StringBuilder b = new StringBuilder("SET SESSION TRANSACTION ");
                    tx.isolation().ifPresent(i -> b.append("ISOLATION LEVEL ").append(i.name().replace('_', ' ')));
                    tx.access().ifPresent(a -> {
                        if (tx.isolation().isPresent()) {
                            b.append(", ");
                        }
                        b.append(a.name().replace('_', ' '));
                    });
                    transactionCharacteristics.add(b.toString());
                }
            } else if (e instanceof SessionEffect.SetVariables vars) {
                for (SessionEffect.Assignment a : vars.assignments()) {
                    variables.remove(a.name());
                    variables.put(a.name(), a.value());
                }
            } else if (e instanceof SessionEffect.Verbatim v) {
                verbatim.add(v.statement());
            }
        }
        snapshot = null;
    }

    /** COM_INIT_DB. */
    public void useDatabase(String db) {
        database = db;
        snapshot = null;
    }

    public String database() {
        return database;
    }

    public Snapshot snapshot() {
        if (snapshot == null) {
            snapshot = new Snapshot(database, charset, Map.copyOf(variables), List.copyOf(variables.keySet()),
                    autocommit, List.copyOf(transactionCharacteristics), List.copyOf(verbatim));
        }
        return snapshot;
    }

    /**
     * An immutable copy of the state.
     *
     * @param variableOrder names in the order they were last set (replay keeps the client's order)
     */
    public record Snapshot(String database, String charset, Map<String, String> variables,
                           List<String> variableOrder, Boolean autocommit, List<String> transactionCharacteristics,
                           List<String> verbatim) {

        /** The state a fresh connection has, with the database it logged in with. */
        public static Snapshot fresh(String database) {
            return new Snapshot(database, null, Map.of(), List.of(), null, List.of(), List.of());
        }

        /**
         * What a connection holding {@code applied} must run to reach this state: SQL statements, and the
         * database for COM_INIT_DB (null when it already matches).
         */
        public Replay replayFrom(Snapshot applied) {
            if (applied == this || equals(applied)) {
                return Replay.NONE; // the common case, once per statement: no lists built
            }
            List<String> statements = new ArrayList<>();
            if (charset != null && !charset.equals(applied.charset)) {
                statements.add(charset);
            }
            StringBuilder set = new StringBuilder();
            for (String name : variableOrder) {
                String value = variables.get(name);
                if (!value.equals(applied.variables.get(name))) {
                    set.append(set.length() == 0 ? "SET " : ", ").append("SESSION ").append(name).append(" = ")
                            .append(value);
                }
            }
            if (autocommit != null && !autocommit.equals(applied.autocommit)) {
                set.append(set.length() == 0 ? "SET " : ", ").append("autocommit = ").append(autocommit ? 1 : 0);
            }
            if (set.length() > 0) {
                statements.add(set.toString());
            }
            if (transactionCharacteristics.size() > applied.transactionCharacteristics.size()
                    || !transactionCharacteristics.equals(applied.transactionCharacteristics)) {
                statements.addAll(transactionCharacteristics.subList(
                        commonPrefix(transactionCharacteristics, applied.transactionCharacteristics),
                        transactionCharacteristics.size()));
            }
            if (!verbatim.equals(applied.verbatim)) {
                statements.addAll(verbatim.subList(commonPrefix(verbatim, applied.verbatim), verbatim.size()));
            }
            String db = database != null && !Objects.equals(database, applied.database) ? database : null;
            return new Replay(db, statements);
        }

        /**
         * Whether a connection holding {@code applied} has state this session never set (another session's, from
         * the pool), which a replay cannot undo: it needs COM_RESET_CONNECTION first.
         */
        public boolean needsResetFrom(Snapshot applied) {
            if (applied == this) {
                return false;
            }
            if (applied.charset != null && !applied.charset.equals(charset)) {
                return true;
            }
            for (Map.Entry<String, String> e : applied.variables.entrySet()) {
                if (!variables.containsKey(e.getKey())) {
                    return true;
                }
            }
            if (applied.autocommit != null && !applied.autocommit.equals(autocommit)) {
                return true;
            }
            return commonPrefix(transactionCharacteristics, applied.transactionCharacteristics)
                    < applied.transactionCharacteristics.size()
                    || commonPrefix(verbatim, applied.verbatim) < applied.verbatim.size();
        }

        private static int commonPrefix(List<String> a, List<String> b) {
            int i = 0;
            while (i < a.size() && i < b.size() && a.get(i).equals(b.get(i))) {
                i++;
            }
            return i;
        }
    }

    /** The work to bring a connection up to date; empty when it already is. */
    public record Replay(String database, List<String> statements) {
        /** Nothing to run. */
        public static final Replay NONE = new Replay(null, List.of());

        public boolean isEmpty() {
            return database == null && statements.isEmpty();
        }
    }
}
