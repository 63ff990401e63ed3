package io.sluice.routing.classify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Routing hints from comments before the first token: {@code /* sluice:source *}{@code /},
 * {@code sluice:replica}, {@code sluice:max_lag=200ms} (or {@code 2s}), {@code sluice:consistency=eventual|session|global}.
 * Several may share one comment, separated by spaces or commas, each with or without its own {@code sluice:}.
 * Unknown or malformed hints are kept in {@link #unknown()} for the proxy to log. If both {@code source} and
 * {@code replica} are given, {@code source} wins: it is the one that can never be wrong.
 */
public record Hints(Optional<Route> route, Optional<Duration> maxLag, Optional<Consistency> consistency,
                    List<String> unknown) {
    public static final Hints NONE = new Hints(Optional.empty(), Optional.empty(), Optional.empty(), List.of());

    private static final String PREFIX = "sluice:";

    public Hints {
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(maxLag, "maxLag");
        Objects.requireNonNull(consistency, "consistency");
        unknown = List.copyOf(unknown);
    }

    public boolean isEmpty() {
        return route.isEmpty() && maxLag.isEmpty() && consistency.isEmpty() && unknown.isEmpty();
    }

    /** Parses the hint comments the lexer found. Runs only when there is a hint comment. */
    static Hints parse(LexedSql lexed) {
        if (lexed.hintCount() == 0) {
            return NONE;
        }
        Route route = null;
        Duration maxLag = null;
        Consistency consistency = null;
        List<String> unknown = new ArrayList<>(0);
        String sql = lexed.sql();
        for (int k = 0; k < lexed.hintCount(); k++) {
            int p = lexed.hintStart(k) + PREFIX.length();
            int end = lexed.hintEnd(k);
            while (p < end) {
                char c = sql.charAt(p);
                if (c <= ' ' || c == ',') {
                    p++;
                    continue;
                }
                int q = p;
                while (q < end && sql.charAt(q) > ' ' && sql.charAt(q) != ',') {
                    q++;
                }
                String item = sql.substring(p, q);
                p = q;
                String hint = item.regionMatches(true, 0, PREFIX, 0, PREFIX.length()) ? item.substring(PREFIX.length()) : item;
                int eq = hint.indexOf('=');
                String key = (eq < 0 ? hint : hint.substring(0, eq)).toLowerCase(java.util.Locale.ROOT);
                String value = eq < 0 ? null : hint.substring(eq + 1);
                boolean ok = true;
                switch (key) {
                    case "source" -> {
                        ok = value == null;
                        if (ok) {
                            route = Route.SOURCE;
                        }
                    }
                    case "replica" -> {
                        ok = value == null;
                        if (ok && route == null) {
                            route = Route.READ;
                        }
                    }
                    case "max_lag" -> {
                        Duration d = value == null ? null : parseDuration(value);
                        ok = d != null;
                        if (ok) {
                            maxLag = d;
                        }
                    }
                    case "consistency" -> {
                        Consistency cst = value == null ? null : parseConsistency(value);
                        ok = cst != null;
                        if (ok) {
                            consistency = cst;
                        }
                    }
                    default -> ok = false;
                }
                if (!ok) {
                    unknown.add(item);
                }
            }
        }
        return new Hints(Optional.ofNullable(route), Optional.ofNullable(maxLag), Optional.ofNullable(consistency), unknown);
    }

    /** {@code 200ms} or {@code 2s}; a whole number with a unit; null if malformed or absurdly large. */
    static Duration parseDuration(String v) {
        int unit;
        boolean seconds;
        String lower = v.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith("ms")) {
            unit = lower.length() - 2;
            seconds = false;
        } else if (lower.endsWith("s")) {
            unit = lower.length() - 1;
            seconds = true;
        } else {
            return null;
        }
        if (unit == 0 || unit > 9) {
            return null;
        }
        long amount = 0;
        for (int i = 0; i < unit; i++) {
            char c = lower.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            amount = amount * 10 + (c - '0');
        }
        return seconds ? Duration.ofSeconds(amount) : Duration.ofMillis(amount);
    }

    private static Consistency parseConsistency(String v) {
        return Consistency.parse(v).orElse(null);
    }
}
