package io.sluice.routing.classify;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The statements Sluice answers itself and never sends to a backend: a session's consistency level, consistency
 * tokens. Each is a whole text on its own (one statement, an optional trailing {@code ;}); in a multi-statement text
 * they are not recognised and reach the server, which rejects them as unknown.
 * <ul>
 *   <li>{@code SET [SESSION] sluice_consistency = 'eventual' | 'session' | 'global' | DEFAULT}</li>
 *   <li>{@code SET [SESSION] sluice_read_after = '<GTID set>'}: the session's next reads must see those
 *       transactions</li>
 *   <li>{@code SET [SESSION] sluice_causal_wait = '20ms' | '1s' | 0 | DEFAULT}: how long this session's consistent
 *       reads wait for a replica before going to the source ({@code routing.causal_wait} for this session only;
 *       {@code 0}: at once, for sessions that prefer the source's latency to offloading it)</li>
 *   <li>{@code SELECT sluice_last_gtid() [[AS] alias]}: the session's token</li>
 * </ul>
 */
public sealed interface SluiceStatement {

    /** {@code SET sluice_consistency}; an empty level is {@code DEFAULT}: back to {@code routing.consistency}. */
    record SetConsistency(Optional<Consistency> level) implements SluiceStatement {
    }

    /** {@code SET sluice_read_after = '<token>'}, the token as written (not yet parsed). */
    record SetReadAfter(String token) implements SluiceStatement {
    }

    /** {@code SET sluice_causal_wait}; empty is {@code DEFAULT}: back to {@code routing.causal_wait}. */
    record SetCausalWait(Optional<Duration> duration) implements SluiceStatement {
    }

    /** {@code SELECT sluice_last_gtid()}, answered in a column of this name. */
    record LastGtid(String column) implements SluiceStatement {
    }

    /** A {@code SET} of one of Sluice's variables to a value it cannot take (ER_WRONG_VALUE_FOR_VAR). */
    record WrongValue(String variable, String value) implements SluiceStatement {
    }

    String CONSISTENCY = "sluice_consistency";
    String READ_AFTER = "sluice_read_after";
    String CAUSAL_WAIT = "sluice_causal_wait";
    /** The longest {@code sluice_causal_wait} a session may set: a read held longer is a hang, not a wait. */
    Duration MAX_CAUSAL_WAIT = Duration.ofMinutes(1);

    /**
     * Recognises one of Sluice's statements; empty for anything else. Costs one case-insensitive scan for
     * {@code sluice_} on texts that do not mention it.
     */
    static Optional<SluiceStatement> recognize(String sql) {
        if (!mentionsSluice(sql)) {
            return Optional.empty();
        }
        Matcher set = Patterns.SET.matcher(sql);
        if (set.matches()) {
            String variable = set.group(1).toLowerCase(java.util.Locale.ROOT);
            String quoted = set.group(2) != null ? set.group(2) : set.group(3);
            String bare = set.group(4);
            if (variable.equals(CONSISTENCY)) {
                if (bare != null && bare.equalsIgnoreCase("default")) {
                    return Optional.of(new SetConsistency(Optional.empty()));
                }
                String value = quoted != null ? quoted : bare;
                Optional<Consistency> level = Consistency.parse(value);
                return Optional.of(level.isPresent() ? new SetConsistency(level) : new WrongValue(CONSISTENCY, value));
            }
            if (variable.equals(CAUSAL_WAIT)) {
                if (bare != null && bare.equalsIgnoreCase("default")) {
                    return Optional.of(new SetCausalWait(Optional.empty()));
                }
                String value = quoted != null ? quoted : bare;
                Optional<Duration> wait = causalWait(value);
                return Optional.of(wait.isPresent() ? new SetCausalWait(wait) : new WrongValue(CAUSAL_WAIT, value));
            }
            if (quoted == null) {
                return Optional.of(new WrongValue(READ_AFTER, bare));
            }
            return Optional.of(new SetReadAfter(quoted.trim()));
        }
        Matcher select = Patterns.LAST_GTID.matcher(sql);
        if (select.matches()) {
            String alias = select.group(1) != null ? select.group(1) : select.group(2);
            return Optional.of(new LastGtid(alias != null ? alias : "sluice_last_gtid()"));
        }
        return Optional.empty();
    }

    /**
     * A wait as the configuration writes durations: a whole number with {@code ms} or {@code s}, or a bare number of
     * milliseconds; from 0 to {@link #MAX_CAUSAL_WAIT}.
     */
    private static Optional<Duration> causalWait(String value) {
        Matcher m = Patterns.WAIT.matcher(value);
        if (!m.matches() || m.group(1).length() > 9) {
            return Optional.empty();
        }
        long n = Long.parseLong(m.group(1));
        Duration d = "s".equalsIgnoreCase(m.group(2)) ? Duration.ofSeconds(n) : Duration.ofMillis(n);
        return d.compareTo(MAX_CAUSAL_WAIT) <= 0 ? Optional.of(d) : Optional.empty();
    }

    private static boolean mentionsSluice(String sql) {
        int last = sql.length() - 7;
        for (int i = 0; i <= last; i++) {
            char c = sql.charAt(i);
            if ((c == 's' || c == 'S') && sql.regionMatches(true, i, "sluice_", 0, 7)) {
                return true;
            }
        }
        return false;
    }

    /** Compiled once, on first use. */
    final class Patterns {
        static final Pattern SET = Pattern.compile(
                "\\s*SET\\s+(?:SESSION\\s+|LOCAL\\s+|@@SESSION\\.|@@LOCAL\\.|@@)?(sluice_consistency|sluice_read_after"
                        + "|sluice_causal_wait)\\s*:?=\\s*(?:'([^']*)'|\"([^\"]*)\"|([A-Za-z0-9_]+))\\s*;?\\s*",
                Pattern.CASE_INSENSITIVE);
        static final Pattern WAIT = Pattern.compile("\\s*([0-9]+)\\s*(ms|s)?\\s*", Pattern.CASE_INSENSITIVE);
        static final Pattern LAST_GTID = Pattern.compile(
                "\\s*SELECT\\s+sluice_last_gtid\\s*\\(\\s*\\)(?:\\s+(?:AS\\s+)?(?:([A-Za-z_][A-Za-z0-9_]*)|`([^`]+)`))?"
                        + "\\s*;?\\s*",
                Pattern.CASE_INSENSITIVE);

        private Patterns() {
        }
    }
}
