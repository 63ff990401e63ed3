package io.sluice.proxy.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Parsing of the command-line client's batch output; no server needed. */
class SqlShellTest {
    @Test
    void splitsOnTabsAndKeepsEmptyTrailingFields() {
        assertThat(SqlShell.parseRow("a\t\tc\t")).containsExactly("a", "", "c", "");
    }

    @Test
    void bareNullWordIsSqlNull() {
        assertThat(SqlShell.parseRow("1\tNULL\tnull")).containsExactly("1", null, "null");
    }

    @Test
    void undoesBatchEscapes() {
        // The client writes a tab inside a value as backslash-t, a newline as backslash-n, a backslash doubled.
        assertThat(SqlShell.unescape("a\\tb\\nc\\\\d\\0e")).isEqualTo("a\tb\nc\\d\0e");
        assertThat(SqlShell.parseRow("x\\ty\tz")).containsExactly("x\ty", "z");
    }

    @Test
    void leavesUnknownEscapesAndATrailingBackslashAlone() {
        assertThat(SqlShell.unescape("a\\qb\\")).isEqualTo("a\\qb\\");
    }
}
