package io.sluice.routing.classify;

/**
 * A single-pass MySQL/MariaDB lexer over a {@link String}, by index arithmetic: no regular expressions and no
 * object per char or per token. It follows the server's lexer where that matters for routing:
 *
 * <ul>
 *   <li>{@code /* ... *}{@code /} comments do not nest. {@code /*!} executable comments, optionally versioned
 *       ({@code /*!80000 ...}), and MariaDB's {@code /*M!} have their content lexed as SQL whatever the version: a
 *       statement that might contain {@code FOR UPDATE} is treated as if it did, which errs toward the source.
 *       {@code /*+ ... *}{@code /} optimiser hints are plain comments.</li>
 *   <li>{@code #} runs to the end of the line; {@code --} is a comment only when followed by whitespace, a
 *       control char or the end of the text (so {@code 1--1} is arithmetic), as in
 *       <a href="https://dev.mysql.com/doc/refman/8.0/en/ansi-diff-comments.html">the manual</a>.</li>
 *   <li>Strings in {@code '} or {@code "} with backslash escapes and doubled quotes; backtick identifiers with
 *       doubled backticks. {@code NO_BACKSLASH_ESCAPES} and {@code ANSI_QUOTES} are not modelled.</li>
 * </ul>
 *
 * <p>An unterminated string, quoted identifier or comment stops the lexer and is reported by
 * {@link LexedSql#terminated()}; the classifier then answers UNKNOWN, which goes to the source. The lexer never
 * throws on any input.
 */
public final class Lexer {
    private static final String HINT_PREFIX = "sluice:";

    private final String sql;
    private final int n;
    private byte[] types;
    private int[] starts;
    private int[] ends;
    private int size;
    private int[] hints = new int[4];
    private int hintCount;
    private final StringBuilder digest;
    private boolean pendingSemicolon;
    /** Per token, the digest length before it was appended, so unary signs can be folded into their literal. */
    private int[] digestAt;

    private Lexer(String sql) {
        this.sql = sql;
        this.n = sql.length();
        int capacity = Math.max(8, n / 4);
        this.types = new byte[capacity];
        this.starts = new int[capacity];
        this.ends = new int[capacity];
        this.digestAt = new int[capacity];
        this.digest = new StringBuilder(Math.min(n, 4096) + 8);
    }

    /** Lexes {@code sql}. Never throws for a non-null argument. */
    public static LexedSql lex(String sql) {
        return new Lexer(sql).run();
    }

    private LexedSql run() {
        int error = scan();
        return new LexedSql(sql, types, starts, ends, size, hints, hintCount, digest.toString(), error);
    }

    /** Returns -1, or the offset of the construct that was not terminated. */
    private int scan() {
        boolean inExecutable = false;
        int executableStart = -1;
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                i++;
                continue;
            }
            if (inExecutable && c == '*' && i + 1 < n && sql.charAt(i + 1) == '/') {
                inExecutable = false;
                i += 2;
                continue;
            }
            switch (c) {
                case '/' -> {
                    if (i + 1 < n && sql.charAt(i + 1) == '*') {
                        int bodyStart = i + 2;
                        int exec = executableBody(bodyStart);
                        if (exec >= 0) {
                            inExecutable = true;
                            executableStart = i;
                            i = exec;
                            continue;
                        }
                        int close = sql.indexOf("*/", bodyStart);
                        if (close < 0) {
                            return i;
                        }
                        leadingComment(bodyStart, close);
                        i = close + 2;
                    } else {
                        add(TokenType.OPERATOR, i, i + 1);
                        i++;
                    }
                }
                case '#' -> i = lineComment(i + 1);
                case '-' -> {
                    if (i + 1 < n && sql.charAt(i + 1) == '-' && (i + 2 >= n || isSpaceOrControl(sql.charAt(i + 2)))) {
                        i = lineComment(i + 2);
                    } else if (i + 2 < n && sql.charAt(i + 1) == '>' && sql.charAt(i + 2) == '>') {
                        add(TokenType.OPERATOR, i, i + 3);
                        i += 3;
                    } else if (i + 1 < n && sql.charAt(i + 1) == '>') {
                        add(TokenType.OPERATOR, i, i + 2);
                        i += 2;
                    } else {
                        add(TokenType.OPERATOR, i, i + 1);
                        i++;
                    }
                }
                case '\'', '"' -> {
                    int end = quoted(i + 1, c, true);
                    if (end < 0) {
                        return i;
                    }
                    add(TokenType.STRING, i, end);
                    i = end;
                }
                case '`' -> {
                    int end = quoted(i + 1, '`', false);
                    if (end < 0) {
                        return i;
                    }
                    add(TokenType.QUOTED_IDENT, i, end);
                    i = end;
                }
                case '@' -> {
                    int end = variable(i);
                    if (end < 0) {
                        return i;
                    }
                    i = end;
                }
                case '?' -> {
                    add(TokenType.PLACEHOLDER, i, i + 1);
                    i++;
                }
                case ';' -> {
                    add(TokenType.SEMICOLON, i, i + 1);
                    i++;
                }
                case '.' -> {
                    if (i + 1 < n && isDigit(sql.charAt(i + 1)) && !(size > 0 && (types[size - 1] == TokenType.WORD.ordinal()
                            || types[size - 1] == TokenType.QUOTED_IDENT.ordinal()))) {
                        i = number(i);
                    } else {
                        add(TokenType.OPERATOR, i, i + 1);
                        i++;
                    }
                }
                default -> {
                    if (isDigit(c)) {
                        i = number(i);
                    } else if (isIdentChar(c)) {
                        int end = identEnd(i + 1);
                        add(TokenType.WORD, i, end);
                        i = end;
                    } else {
                        int end = operatorEnd(i, c);
                        add(TokenType.OPERATOR, i, end);
                        i = end;
                    }
                }
            }
        }
        // The server rejects an executable comment left open, so it is unterminated like any other comment.
        return inExecutable ? executableStart : -1;
    }

    /**
     * If the comment body at {@code from} is executable ({@code !} or MariaDB's {@code M!}), returns where its SQL
     * starts, after the optional version number (five digits, or six for versions from 10.0.0 on); else -1.
     */
    private int executableBody(int from) {
        int p;
        if (from < n && sql.charAt(from) == '!') {
            p = from + 1;
        } else if (from + 1 < n && sql.charAt(from) == 'M' && sql.charAt(from + 1) == '!') {
            p = from + 2;
        } else {
            return -1;
        }
        int digits = 0;
        while (p < n && digits < 6 && isDigit(sql.charAt(p))) {
            p++;
            digits++;
        }
        return p;
    }

    /** Records a comment seen before the first token as a hint comment if it starts with {@code sluice:}. */
    private void leadingComment(int from, int to) {
        if (size > 0 || pendingSemicolon) {
            return;
        }
        int s = from;
        while (s < to && isSpaceOrControl(sql.charAt(s))) {
            s++;
        }
        int e = to;
        while (e > s && isSpaceOrControl(sql.charAt(e - 1))) {
            e--;
        }
        if (e - s < HINT_PREFIX.length() || !sql.regionMatches(true, s, HINT_PREFIX, 0, HINT_PREFIX.length())) {
            return;
        }
        if (2 * hintCount + 2 > hints.length) {
            hints = java.util.Arrays.copyOf(hints, hints.length * 2);
        }
        hints[2 * hintCount] = s;
        hints[2 * hintCount + 1] = e;
        hintCount++;
        // Hints stay in the digest: the same statement with and without a hint routes differently.
        if (digest.length() > 0) {
            digest.append(' ');
        }
        digest.append("/* ");
        boolean space = false;
        for (int k = s; k < e; k++) {
            char ch = sql.charAt(k);
            if (isSpaceOrControl(ch)) {
                space = true;
            } else {
                if (space) {
                    digest.append(' ');
                    space = false;
                }
                digest.append(ch);
            }
        }
        digest.append(" */");
    }

    private int lineComment(int from) {
        int end = sql.indexOf('\n', from);
        if (end < 0) {
            end = n;
        }
        leadingComment(from, end);
        return end;
    }

    /** Returns the offset after the closing quote, or -1 if unterminated. */
    private int quoted(int from, char quote, boolean backslash) {
        int j = from;
        while (j < n) {
            char d = sql.charAt(j);
            if (backslash && d == '\\') {
                j += 2;
            } else if (d == quote) {
                if (j + 1 < n && sql.charAt(j + 1) == quote) {
                    j += 2;
                } else {
                    return j + 1;
                }
            } else {
                j++;
            }
        }
        return -1;
    }

    /** Lexes {@code @...} at {@code at}; returns the offset after it, or -1 if a quoted name is unterminated. */
    private int variable(int at) {
        if (at + 1 < n && sql.charAt(at + 1) == '@') {
            int p = at + 2;
            while (p < n && (isIdentChar(sql.charAt(p)) || (sql.charAt(p) == '.' && p + 1 < n && isIdentChar(sql.charAt(p + 1))))) {
                p++;
            }
            if (p < n && sql.charAt(p) == '`') {      // @@session.`sql_mode`
                int end = quoted(p + 1, '`', false);
                if (end < 0) {
                    return -1;
                }
                p = end;
            }
            add(TokenType.SYSTEM_VAR, at, p);
            return p;
        }
        if (at + 1 < n) {
            char q = sql.charAt(at + 1);
            if (q == '\'' || q == '"' || q == '`') {
                int end = quoted(at + 2, q, q != '`');
                if (end < 0) {
                    return -1;
                }
                add(TokenType.USER_VAR, at, end);
                return end;
            }
        }
        int p = at + 1;
        while (p < n && (isIdentChar(sql.charAt(p)) || sql.charAt(p) == '.')) {
            p++;
        }
        add(p == at + 1 ? TokenType.OPERATOR : TokenType.USER_VAR, at, p);
        return p;
    }

    private int number(int from) {
        int p = from;
        if (sql.charAt(p) == '0' && p + 1 < n) {
            char x = sql.charAt(p + 1);
            if ((x == 'x' || x == 'X') && p + 2 < n && isHexDigit(sql.charAt(p + 2))) {
                p += 2;
                while (p < n && isHexDigit(sql.charAt(p))) {
                    p++;
                }
                return finishNumber(from, p);
            }
            if ((x == 'b' || x == 'B') && p + 2 < n && (sql.charAt(p + 2) == '0' || sql.charAt(p + 2) == '1')) {
                p += 2;
                while (p < n && (sql.charAt(p) == '0' || sql.charAt(p) == '1')) {
                    p++;
                }
                return finishNumber(from, p);
            }
        }
        while (p < n && isDigit(sql.charAt(p))) {
            p++;
        }
        if (p < n && sql.charAt(p) == '.') {
            p++;
            while (p < n && isDigit(sql.charAt(p))) {
                p++;
            }
        }
        if (p < n && (sql.charAt(p) == 'e' || sql.charAt(p) == 'E')) {
            int q = p + 1;
            if (q < n && (sql.charAt(q) == '+' || sql.charAt(q) == '-')) {
                q++;
            }
            if (q < n && isDigit(sql.charAt(q))) {
                p = q;
                while (p < n && isDigit(sql.charAt(p))) {
                    p++;
                }
            }
        }
        return finishNumber(from, p);
    }

    /** MySQL identifiers may start with digits ({@code 1abc}); a digit run glued to letters is a word. */
    private int finishNumber(int from, int p) {
        if (p < n && isIdentChar(sql.charAt(p))) {
            int end = identEnd(p);
            add(TokenType.WORD, from, end);
            return end;
        }
        add(TokenType.NUMBER, from, p);
        return p;
    }

    private int identEnd(int from) {
        int p = from;
        while (p < n && isIdentChar(sql.charAt(p))) {
            p++;
        }
        return p;
    }

    private int operatorEnd(int i, char c) {
        char d = i + 1 < n ? sql.charAt(i + 1) : 0;
        switch (c) {
            case '<':
                if (d == '=') {
                    return i + 2 < n && sql.charAt(i + 2) == '>' ? i + 3 : i + 2;
                }
                return d == '>' || d == '<' ? i + 2 : i + 1;
            case '>':
                return d == '=' || d == '>' ? i + 2 : i + 1;
            case '!':
                return d == '=' ? i + 2 : i + 1;
            case ':':
                return d == '=' ? i + 2 : i + 1;
            case '|':
                return d == '|' ? i + 2 : i + 1;
            case '&':
                return d == '&' ? i + 2 : i + 1;
            default:
                return i + 1;
        }
    }

    private void add(TokenType type, int start, int end) {
        if (size == types.length) {
            int capacity = size * 2;
            types = java.util.Arrays.copyOf(types, capacity);
            starts = java.util.Arrays.copyOf(starts, capacity);
            ends = java.util.Arrays.copyOf(ends, capacity);
            digestAt = java.util.Arrays.copyOf(digestAt, capacity);
        }
        types[size] = (byte) type.ordinal();
        starts[size] = start;
        ends[size] = end;
        size++;
        appendDigest(type, start, end);
    }

    private void appendDigest(TokenType type, int start, int end) {
        if (type == TokenType.SEMICOLON) {
            // Empty statements vanish and a trailing ';' does not change the digest.
            pendingSemicolon = digest.length() > 0 || pendingSemicolon;
            return;
        }
        if (type == TokenType.NUMBER || type == TokenType.STRING || type == TokenType.PLACEHOLDER) {
            int firstSign = firstUnarySign();
            if (firstSign >= 0) {
                // id = -5 and id = 7 share a digest: the sign is part of the literal.
                digest.setLength(digestAt[firstSign]);
            }
        }
        if (pendingSemicolon && digest.length() > 0) {
            digest.append(';');
        }
        pendingSemicolon = false;
        digestAt[size - 1] = digest.length();
        if (digest.length() > 0) {
            digest.append(' ');
        }
        switch (type) {
            case STRING, NUMBER, PLACEHOLDER -> digest.append('?');
            case QUOTED_IDENT, OPERATOR -> digest.append(sql, start, end);
            default -> {
                for (int k = start; k < end; k++) {
                    char ch = sql.charAt(k);
                    digest.append(ch >= 'a' && ch <= 'z' ? (char) (ch - 32) : ch);
                }
            }
        }
    }

    /**
     * If the literal just added (token {@code size - 1}) follows a run of {@code -}/{@code +} signs that are not
     * a binary operator, returns the first of them, else -1. They are signs when the run starts the statement or
     * follows an operator other than {@code )} or a word that can only be followed by an operand; a binary minus
     * after an identifier ({@code a - 5}) stays in the digest.
     */
    private int firstUnarySign() {
        int k = size - 2;
        while (k >= 0 && types[k] == TokenType.OPERATOR.ordinal() && ends[k] - starts[k] == 1
                && (sql.charAt(starts[k]) == '-' || sql.charAt(starts[k]) == '+')) {
            k--;
        }
        int firstSign = k + 1;
        if (firstSign == size - 1) {
            return -1;
        }
        if (k < 0 || types[k] == TokenType.SEMICOLON.ordinal()
                || (types[k] == TokenType.OPERATOR.ordinal() && sql.charAt(starts[k]) != ')')) {
            return firstSign;
        }
        if (types[k] == TokenType.WORD.ordinal()) {
            for (String w : OPERAND_BEFORE) {
                if (ends[k] - starts[k] == w.length() && sql.regionMatches(true, starts[k], w, 0, w.length())) {
                    return firstSign;
                }
            }
        }
        // After an operand the first sign is the binary operator and any further ones are signs: 1 - -5.
        return firstSign + 1 < size - 1 ? firstSign + 1 : -1;
    }

    /** Words after which a {@code -} can only be a sign. */
    private static final String[] OPERAND_BEFORE = {"SELECT", "WHERE", "AND", "OR", "XOR", "NOT", "BY", "LIMIT", "OFFSET",
        "WHEN", "THEN", "ELSE", "DIV", "MOD", "LIKE", "BETWEEN", "IS", "RETURN", "DEFAULT", "ON", "HAVING", "INTERVAL"};

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHexDigit(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** Identifier chars per the manual: ASCII letters, digits, {@code $}, {@code _}, and anything beyond ASCII. */
    static boolean isIdentChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c == '_' || c == '$' || c >= 0x80;
    }

    private static boolean isSpaceOrControl(char c) {
        return c <= ' ' || c == 0x7f;
    }
}
