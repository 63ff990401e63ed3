package io.sluice.protocol.gtid;

/**
 * Text that is not a GTID or GTID set of the expected flavour. Unchecked: GTID text comes from servers and
 * configuration, and a malformed one is a bug or a misconfiguration to report, not a condition to recover from locally.
 *
 * <p>The message names the zero-based index in the input, the reason, and an excerpt of the input around the index
 * (the input itself can be a {@code @@gtid_executed} of many kilobytes, so it is never copied whole).
 */
public final class GtidParseException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private static final int EXCERPT = 32;

    private final int index;
    private final String reason;

    GtidParseException(String input, int index, String reason) {
        super(message(input, index, reason));
        this.index = index;
        this.reason = reason;
    }

    /** Zero-based index in the input where parsing failed. */
    public int index() {
        return index;
    }

    /** The reason alone, without position or excerpt. */
    public String reason() {
        return reason;
    }

    private static String message(String input, int index, String reason) {
        int from = Math.max(0, index - EXCERPT);
        int to = Math.min(input.length(), index + EXCERPT);
        String excerpt = (from > 0 ? "…" : "") + input.substring(from, to) + (to < input.length() ? "…" : "");
        return "malformed GTID text at index " + index + ": " + reason + " in \"" + escape(excerpt) + "\"";
    }

    private static String escape(String s) {
        return s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
    }
}
