package io.sluice.proxy.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as the configuration file writes them: a whole number and a unit, {@code ms}, {@code s}, {@code m} or {@code h}
 * ({@code 500ms}, {@code 2s}, {@code 1m}). A unit is always required, so that {@code 10} is never guessed to mean seconds.
 */
public final class Durations {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    /**
     * The longest duration accepted: far beyond any sensible timeout or interval, and far below the ~292 years at which
     * {@link Duration#toNanos()} (which Netty's timers use) overflows.
     */
    public static final Duration MAX = Duration.ofDays(30);

    private Durations() {
    }

    /**
     * Parses a duration such as {@code 500ms}.
     *
     * @throws IllegalArgumentException with a message that says how to write it
     */
    public static Duration parse(String text) {
        String s = text.strip();
        Matcher m = DURATION.matcher(s);
        if (!m.matches()) {
            if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("bad duration '" + s + "': add a unit (ms, s, m or h), e.g. " + s + "s");
            }
            throw new IllegalArgumentException("bad duration '" + s
                    + "': write a whole number followed by ms, s, m or h, e.g. 500ms or 2s");
        }
        String digits = m.group(1).replaceFirst("^0+(?=.)", "");
        // 12 digits of hours is still a long number of seconds, so Duration arithmetic below cannot overflow.
        long n = digits.length() > 12 ? Long.MAX_VALUE : Long.parseLong(digits);
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> n > MAX.toSeconds() ? MAX.plusSeconds(1) : Duration.ofSeconds(n);
            case "m" -> n > MAX.toMinutes() ? MAX.plusSeconds(1) : Duration.ofMinutes(n);
            case "h" -> n > MAX.toHours() ? MAX.plusSeconds(1) : Duration.ofHours(n);
            default -> throw new IllegalStateException("unit not in the pattern: " + m.group(2));
        };
        if (d.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("duration '" + s + "' is too long; at most " + format(MAX) + " (30 days)");
        }
        return d;
    }

    /** Writes a duration back in the file's notation, with the largest unit that keeps it whole. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms != 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms != 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0 && ms != 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    static void requirePositive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be a positive duration: " + d);
        }
    }
}
