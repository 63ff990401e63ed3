package io.sluice.routing.classify;

import java.util.List;
import java.util.Objects;

/**
 * The classification of one SQL text (one {@code COM_QUERY}), which may hold several statements.
 *
 * @param statements      every statement, in order; never empty (an empty text is one {@link StatementKind#EMPTY})
 * @param classifiedRoute the strictest route of the statements, before hints
 * @param route           the route to use: {@code classifiedRoute} adjusted by the hints ({@code source} always
 *                        wins; {@code replica} only if every statement {@link ClassifiedStatement#replicaAllowed()})
 * @param hints           the leading-comment hints, including unknown ones to log
 * @param digest          the normalised digest (see {@link LexedSql#digest()})
 */
public record Classification(List<ClassifiedStatement> statements, Route classifiedRoute, Route route, Hints hints,
                             String digest) {
    public Classification {
        statements = List.copyOf(statements);
        if (statements.isEmpty()) {
            throw new IllegalArgumentException("a classification has at least one statement");
        }
        Objects.requireNonNull(classifiedRoute, "classifiedRoute");
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(hints, "hints");
        Objects.requireNonNull(digest, "digest");
    }

    /** The first statement, which is the whole text in the common single-statement case. */
    public ClassifiedStatement first() {
        return statements.get(0);
    }

    /** The first statement's kind. */
    public StatementKind kind() {
        return first().kind();
    }

    public boolean multiStatement() {
        return statements.size() > 1;
    }

    /** Whether a replica hint was given and refused because some statement must run on the source. */
    public boolean replicaHintRefused() {
        return hints.route().orElse(null) == Route.READ && route == Route.SOURCE;
    }

    /** Whether this value may be cached under its digest: no statement carries literal-dependent data. */
    public boolean cacheable() {
        for (ClassifiedStatement s : statements) {
            if (!s.cacheable()) {
                return false;
            }
        }
        return true;
    }
}
