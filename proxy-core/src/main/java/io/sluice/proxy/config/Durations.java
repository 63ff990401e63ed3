package io.sluice.proxy.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as the configuration file writes them: a whole number and a unit, {@code ms}, {@code s}, {@code m} or {@code h}
 * ({@code 500ms}, {@code 2s}, {@code 1m}). A unit is always required, so that {@code 10} is never guessed to mean seconds.
 */
public final class Durations {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h)");

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
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> throw new IllegalStateException("unit not in the pattern: " + m.group(2));
        };
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
