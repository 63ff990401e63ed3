package io.sluice.routing.classify;

/**
 * The token stream of one SQL text, as produced by {@link Lexer#lex(String)}: token types and offsets held in
 * parallel primitive arrays (no object per token), the normalised digest, and where the leading
 * {@code sluice:} hint comments are.
 *
 * <p>Offsets are char indexes into {@link #sql()}. Not thread-safe to build, immutable once returned.
 */
public final class LexedSql {
    private final String sql;
    private final byte[] types;
    private final int[] starts;
    private final int[] ends;
    private final int size;
    private final int[] hintRanges;
    private final int hintCount;
    private final String digest;
    private final int errorOffset;

    LexedSql(String sql, byte[] types, int[] starts, int[] ends, int size,
             int[] hintRanges, int hintCount, String digest, int errorOffset) {
        this.sql = sql;
        this.types = types;
        this.starts = starts;
        this.ends = ends;
        this.size = size;
        this.hintRanges = hintRanges;
        this.hintCount = hintCount;
        this.digest = digest;
        this.errorOffset = errorOffset;
    }

    private static final TokenType[] TYPES = TokenType.values();

    /** The text that was lexed. */
    public String sql() {
        return sql;
    }

    /** Number of tokens. */
    public int size() {
        return size;
    }

    public TokenType type(int i) {
        return TYPES[types[i]];
    }

    /** Offset of the first char of token {@code i}. */
    public int start(int i) {
        return starts[i];
    }

    /** Offset one past the last char of token {@code i}. */
    public int end(int i) {
        return ends[i];
    }

    /** The token's text as written (allocates; for tests and for the rare values the classifier keeps). */
    public String text(int i) {
        return sql.substring(starts[i], ends[i]);
    }

    /** Whether token {@code i} exists and is the unquoted word {@code upper} in any case. {@code upper} must be upper case. */
    public boolean isWord(int i, String upper) {
        return i >= 0 && i < size && types[i] == TokenType.WORD.ordinal()
                && ends[i] - starts[i] == upper.length()
                && sql.regionMatches(true, starts[i], upper, 0, upper.length());
    }

    /** Whether token {@code i} exists and is the operator {@code op}. */
    public boolean isOperator(int i, String op) {
        return i >= 0 && i < size && types[i] == TokenType.OPERATOR.ordinal()
                && ends[i] - starts[i] == op.length()
                && sql.startsWith(op, starts[i]);
    }

    /** Whether token {@code i} exists and has type {@code t}. */
    public boolean is(int i, TokenType t) {
        return i >= 0 && i < size && types[i] == t.ordinal();
    }

    /** Number of leading hint comments (comments before the first token whose text starts with {@code sluice:}). */
    public int hintCount() {
        return hintCount;
    }

    /** Start of the text of hint comment {@code k} (inside the comment delimiters). */
    public int hintStart(int k) {
        return hintRanges[2 * k];
    }

    /** End of the text of hint comment {@code k}. */
    public int hintEnd(int k) {
        return hintRanges[2 * k + 1];
    }

    /**
     * The statement digest: keywords and unquoted identifiers upper-cased, every literal and placeholder replaced
     * by {@code ?}, comments dropped except hint comments, whitespace collapsed to one space, empty statements
     * dropped. Two terminated texts with the same digest classify the same, except for the literal-dependent
     * parts that {@link Classification#cacheable()} excludes. An unterminated text's digest covers only the tokens
     * before the unterminated construct, so it must never be used as a key.
     */
    public String digest() {
        return digest;
    }

    /** Whether the whole text lexed; false when a string, identifier or comment is unterminated. */
    public boolean terminated() {
        return errorOffset < 0;
    }

    /** Where the unterminated construct starts, or -1. */
    public int errorOffset() {
        return errorOffset;
    }
}
