package io.sluice.routing.classify;

/** The kinds of token {@link Lexer} produces. Keywords are not a type of their own: a keyword is a {@link #WORD}. */
public enum TokenType {
    /** An unquoted identifier or keyword ({@code SELECT}, {@code t1}, {@code 1abc}, {@code _utf8mb4}). */
    WORD,
    /** A backtick-quoted identifier; never a keyword, so {@code `for`} cannot be mistaken for {@code FOR}. */
    QUOTED_IDENT,
    /** A string literal in single or double quotes (double quotes are strings unless {@code ANSI_QUOTES}). */
    STRING,
    /** A numeric literal: integer, decimal, exponent, {@code 0x..}, {@code 0b..}. */
    NUMBER,
    /** A {@code ?} placeholder. */
    PLACEHOLDER,
    /** A user variable: {@code @name}, {@code @'name'}, {@code @`name`}. */
    USER_VAR,
    /** A system variable: {@code @@name}, {@code @@session.name}, {@code @@global.name}. */
    SYSTEM_VAR,
    /** Punctuation and operators, longest match ({@code :=}, {@code <=>}, {@code ->>}, {@code (}, {@code ,}). */
    OPERATOR,
    /** A {@code ;} statement separator. */
    SEMICOLON
}
