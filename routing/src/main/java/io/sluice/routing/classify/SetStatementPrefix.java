package io.sluice.routing.classify;

import java.util.Objects;

/**
 * MariaDB's {@code SET STATEMENT var=value[, ...] FOR <statement>}
 * (<a href="https://mariadb.com/kb/en/set-statement/">SET STATEMENT</a>), which drivers use for query timeouts. The
 * statement is classified by the inner statement; this keeps the prefix so the proxy can keep or strip it.
 *
 * @param prefix      the text from {@code SET} up to and including {@code FOR}, as written
 * @param innerOffset offset, in the whole SQL text, of the inner statement's first token
 */
public record SetStatementPrefix(String prefix, int innerOffset) {
    public SetStatementPrefix {
        Objects.requireNonNull(prefix, "prefix");
    }
}
