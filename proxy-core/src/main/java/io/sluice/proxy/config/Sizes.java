package io.sluice.proxy.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes as the configuration file writes them, the way MySQL's own options do: a whole number of bytes, or a whole
 * number followed by {@code K}, {@code M} or {@code G} (powers of 1024, either case): {@code 65536}, {@code 64K},
 * {@code 64M}, {@code 1G}.
 */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+)([kKmMgG]?)");

    private Sizes() {
    }

    /**
     * Parses a size such as {@code 64M}.
     *
     * @throws IllegalArgumentException with a message that says how to write it
     */
    public static long parse(String text) {
        String s = text.strip();
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("bad size '" + s + "': write a whole number of bytes, optionally followed by "
                    + "K, M or G, e.g. 64M");
        }
        String digits = m.group(1).replaceFirst("^0+(?=.)", "");
        int shift = switch (m.group(2).toUpperCase(java.util.Locale.ROOT)) {
            case "" -> 0;
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            default -> throw new IllegalStateException("unit not in the pattern: " + m.group(2));
        };
        // 15 digits shifted by at most 30 bits stays far below Long.MAX_VALUE; anything longer is out of range anyway.
        if (digits.length() > 15) {
            return Long.MAX_VALUE;
        }
        return Long.parseLong(digits) << shift;
    }

    /** Writes a size back in the file's notation, with the largest unit that keeps it whole. */
    public static String format(long bytes) {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "G";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "M";
        }
        if (bytes != 0 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "K";
        }
        return Long.toString(bytes);
    }
}
