package io.sluice.routing;

import java.util.Locale;

/**
 * A {@code KILL [HARD | SOFT] [CONNECTION | QUERY] <id>} statement naming a connection id, which a proxy must
 * translate: the client knows the proxy's connection ids, the server only its own thread ids.
 *
 * <p>Only that form is recognised; {@code KILL QUERY ID <query id>} and {@code KILL USER <name>} name no
 * connection and are left to the server, as is anything else. Leading and trailing whitespace and comments and one
 * trailing semicolon are allowed, as the server allows them.
 *
 * @see <a href="https://mariadb.com/kb/en/kill/">MariaDB KILL</a>
 * @see <a href="https://dev.mysql.com/doc/refman/8.4/en/kill.html">MySQL KILL</a>
 */
public record KillStatement(long connectionId, boolean queryOnly) {

    /** The KILL {@code sql} asks for, or {@code null} when it is not a KILL of a connection id. */
    public static KillStatement parse(String sql) {
        Lexer in = new Lexer(sql);
        if (!"KILL".equals(in.word())) {
            return null;
        }
        String word = in.word();
        if ("HARD".equals(word) || "SOFT".equals(word)) {
            word = in.word();
        }
        boolean queryOnly = false;
        if ("QUERY".equals(word)) {
            queryOnly = true;
            word = in.word();
        } else if ("CONNECTION".equals(word)) {
            word = in.word();
        }
        if (word == null || word.isEmpty() || !word.chars().allMatch(c -> c >= '0' && c <= '9') || word.length() > 18) {
            return null;
        }
        long id = Long.parseLong(word);
        in.skipSpaceAndComments();
        if (in.peek() == ';') {
            in.pos++;
            in.skipSpaceAndComments();
        }
        return in.atEnd() ? new KillStatement(id, queryOnly) : null;
    }

    private static final class Lexer {
        private final String s;
        private int pos;

        Lexer(String s) {
            this.s = s;
        }

        /** The next run of letters or digits, upper-cased, after whitespace and comments; null if none. */
        String word() {
            skipSpaceAndComments();
            int start = pos;
            while (pos < s.length() && Character.isLetterOrDigit(s.charAt(pos))) {
                pos++;
            }
            return pos == start ? null : s.substring(start, pos).toUpperCase(Locale.ROOT);
        }

        int peek() {
            return pos < s.length() ? s.charAt(pos) : -1;
        }

        boolean atEnd() {
            return pos >= s.length();
        }

        void skipSpaceAndComments() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (Character.isWhitespace(c)) {
                    pos++;
                } else if (s.startsWith("/*", pos) && !s.startsWith("/*!", pos) && !s.startsWith("/*M!", pos)) {
                    // Executable comments (/*! ... */) are statement text to the server: not skipped, so not a KILL.
                    int end = s.indexOf("*/", pos + 2);
                    pos = end < 0 ? s.length() : end + 2;
                } else if (c == '#' || (s.startsWith("--", pos) && (pos + 2 == s.length()
                        || Character.isWhitespace(s.charAt(pos + 2))))) {
                    int end = s.indexOf('\n', pos);
                    pos = end < 0 ? s.length() : end + 1;
                } else {
                    return;
                }
            }
        }
    }
}
