package io.sluice.routing.classify;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The classification of one statement of a (possibly multi-statement) text.
 *
 * @param kind         what it is
 * @param route        where it may run, before hints
 * @param transaction  its effect on the transaction
 * @param flags        why it routes as it does, and modifiers the session must act on
 * @param pins         pins it acquires or releases
 * @param session      session state changes to track and replay (literal-dependent: never cached)
 * @param kill         for {@code KILL}, the connection to kill (literal-dependent: never cached)
 * @param setStatement for MariaDB {@code SET STATEMENT .. FOR}, the prefix (offsets: never cached)
 */
public record ClassifiedStatement(StatementKind kind, Route route, TransactionEffect transaction,
                                  Set<StatementFlag> flags, List<PinChange> pins, List<SessionEffect> session,
                                  Optional<KillTarget> kill, Optional<SetStatementPrefix> setStatement) {
    public ClassifiedStatement {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(transaction, "transaction");
        flags = flags.isEmpty() ? Set.of() : java.util.Collections.unmodifiableSet(java.util.EnumSet.copyOf(flags));
        pins = List.copyOf(pins);
        session = List.copyOf(session);
        Objects.requireNonNull(kill, "kill");
        Objects.requireNonNull(setStatement, "setStatement");
    }

    public boolean has(StatementFlag flag) {
        return flags.contains(flag);
    }

    /**
     * Whether a {@code sluice:replica} hint may send it to a replica: a read-only kind that writes nothing, locks
     * nothing, writes no file and creates no pin. A hint never sends a write to a replica, where it would fail or,
     * on a writable replica, silently diverge it.
     */
    public boolean replicaAllowed() {
        return kind.readOnly()
                && !flags.contains(StatementFlag.WRITES)
                && !flags.contains(StatementFlag.LOCKING_READ)
                && !flags.contains(StatementFlag.INTO_FILE)
                && !flags.contains(StatementFlag.SET_GLOBAL)
                && pins.stream().noneMatch(p -> p.action() == PinChange.Action.ACQUIRE);
    }

    /** Whether the value holds nothing that depends on literals or offsets, so it may be shared by digest. */
    public boolean cacheable() {
        return session.isEmpty() && kill.isEmpty() && setStatement.isEmpty() && kind != StatementKind.KILL
                && !flags.contains(StatementFlag.UNTERMINATED);
    }
}
