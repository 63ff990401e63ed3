package io.sluice.protocol.gtid;

import java.util.Locale;

/**
 * A cursor over GTID text shared by both flavours' parsers. Every failure is a {@link GtidParseException} carrying the
 * index; nothing here lets a {@code NumberFormatException} or {@code StringIndexOutOfBoundsException} escape.
 *
 * <p>Servers print {@code @@gtid_executed} with a newline after each comma, so whitespace (space, tab, CR, LF) is
 * allowed between any two tokens, never inside one.
 */
final class GtidText {
    /** MySQL's largest GNO is 2^63 - 2, so that the exclusive end {@code gno + 1} still fits in a signed 64-bit. */
    static final long MYSQL_MAX_SEQUENCE = Long.MAX_VALUE - 1;
    /** MariaDB domain and server ids are unsigned 32-bit. */
    static final long MAX_UINT32 = 0xFFFF_FFFFL;
    /** MySQL 8.4 limits a GTID tag to 32 characters. */
    static final int MAX_TAG_LENGTH = 32;

    private static final long UINT64_MAX_DIV_10 = Long.divideUnsigned(-1L, 10);
    private static final int UINT64_MAX_MOD_10 = (int) Long.remainderUnsigned(-1L, 10);

    private final String text;
    private int pos;

    /** Set by {@link #readUuid()}: the most and least significant 64 bits. */
    long uuidHi;
    long uuidLo;

    GtidText(String text) {
        this.text = text;
    }

    int position() {
        return pos;
    }

    void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    boolean atEnd() {
        return pos >= text.length();
    }

    /** The current character, or {@code -1} at the end. */
    int peek() {
        return pos < text.length() ? text.charAt(pos) : -1;
    }

    boolean tryConsume(char c) {
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    void expect(char c, String context) {
        if (!tryConsume(c)) {
            throw error("expected '" + c + "' " + context + " but found " + describeCurrent());
        }
    }

    static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    static boolean isTagStart(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    /** A decimal number in {@code [min, max]} with {@code max <= Long.MAX_VALUE}. */
    long readNumber(String what, long min, long max) {
        int start = pos;
        if (!isDigit(peek())) {
            throw error("expected " + what + " but found " + describeCurrent());
        }
        long value = 0;
        while (isDigit(peek())) {
            int digit = text.charAt(pos) - '0';
            if (value > (max - digit) / 10) {
                throw errorAt(start, what + " exceeds " + max);
            }
            value = value * 10 + digit;
            pos++;
        }
        if (value < min) {
            throw errorAt(start, what + " must be at least " + min);
        }
        return value;
    }

    /** A decimal number in {@code [0, 2^64 - 1]}, returned as the bits of an unsigned long. */
    long readUnsigned64(String what) {
        int start = pos;
        if (!isDigit(peek())) {
            throw error("expected " + what + " but found " + describeCurrent());
        }
        long value = 0;
        while (isDigit(peek())) {
            int digit = text.charAt(pos) - '0';
            int cmp = Long.compareUnsigned(value, UINT64_MAX_DIV_10);
            if (cmp > 0 || (cmp == 0 && digit > UINT64_MAX_MOD_10)) {
                throw errorAt(start, what + " exceeds " + Long.toUnsignedString(-1L));
            }
            value = value * 10 + digit;
            pos++;
        }
        return value;
    }

    /** A UUID in its 36-character form, either case; the result lands in {@link #uuidHi} and {@link #uuidLo}. */
    void readUuid() {
        int start = pos;
        if (text.length() - pos < 36) {
            throw error("expected a 36-character UUID but only " + (text.length() - pos) + " characters remain");
        }
        long hi = 0;
        long lo = 0;
        int digits = 0;
        for (int i = 0; i < 36; i++) {
            char c = text.charAt(start + i);
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') {
                    throw errorAt(start + i, "expected '-' in UUID but found " + describe(c));
                }
                continue;
            }
            int nibble = Character.digit(c, 16);
            if (nibble < 0 || c > 'f') {
                throw errorAt(start + i, "expected a hex digit in UUID but found " + describe(c));
            }
            if (digits < 16) {
                hi = (hi << 4) | nibble;
            } else {
                lo = (lo << 4) | nibble;
            }
            digits++;
        }
        pos = start + 36;
        uuidHi = hi;
        uuidLo = lo;
    }

    /**
     * A MySQL 8.4 GTID tag: a letter or underscore, then letters, digits or underscores, at most 32 in all. Tags are
     * case-insensitive; the server normalises them to lower case, and so do we.
     */
    String readTag() {
        int start = pos;
        if (!isTagStart(peek())) {
            throw error("expected a GTID tag but found " + describeCurrent());
        }
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (!isTagStart(c) && !isDigit(c)) {
                break;
            }
            pos++;
        }
        if (pos - start > MAX_TAG_LENGTH) {
            throw errorAt(start, "GTID tag longer than " + MAX_TAG_LENGTH + " characters");
        }
        return text.substring(start, pos).toLowerCase(Locale.ROOT);
    }

    GtidParseException error(String reason) {
        return errorAt(pos, reason);
    }

    GtidParseException errorAt(int index, String reason) {
        return new GtidParseException(text, index, reason);
    }

    private String describeCurrent() {
        return pos < text.length() ? describe(text.charAt(pos)) : "end of input";
    }

    private static String describe(char c) {
        if (c == '\n') {
            return "'\\n'";
        }
        if (c < 0x20 || c > 0x7e) {
            return String.format("U+%04X", (int) c);
        }
        return "'" + c + "'";
    }

    /** Appends a UUID in canonical lower-case 8-4-4-4-12 form. */
    static void appendUuid(StringBuilder out, long hi, long lo) {
        appendHex(out, hi >>> 32, 8);
        out.append('-');
        appendHex(out, hi >>> 16, 4);
        out.append('-');
        appendHex(out, hi, 4);
        out.append('-');
        appendHex(out, lo >>> 48, 4);
        out.append('-');
        appendHex(out, lo, 12);
    }

    private static void appendHex(StringBuilder out, long value, int digits) {
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            out.append(Character.forDigit((int) ((value >>> shift) & 0xF), 16));
        }
    }

    /**
     * The flavour an element of GTID text belongs to: MySQL elements always have a ':' (uuid:interval), MariaDB
     * elements never do (domain-server-seq). Looks only at the first element, up to a ',' or the end.
     */
    static boolean looksLikeMySql(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ':') {
                return true;
            }
            if (c == ',') {
                return false;
            }
        }
        return false;
    }

    static boolean isBlank(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return false;
            }
        }
        return true;
    }
}
