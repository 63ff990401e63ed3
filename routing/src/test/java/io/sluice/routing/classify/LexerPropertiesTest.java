package io.sluice.routing.classify;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Assume;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Properties of the lexer and classifier over generated text. */
class LexerPropertiesTest {
    private final StatementClassifier classifier = new StatementClassifier();

    @Property(tries = 2000)
    void neverThrowsOnArbitraryStrings(@ForAll @StringLength(max = 200) String sql) {
        LexedSql l = Lexer.lex(sql);
        assertThat(l.digest()).isNotNull();
        assertThat(classifier.classify(sql).route()).isNotNull();
    }

    @Property(tries = 2000)
    void neverThrowsOnSqlShapedNoise(@ForAll("sqlNoise") String sql) {
        Classification c = classifier.classify(sql);
        assertThat(c.statements()).isNotEmpty();
        if (c.first().kind() == StatementKind.UNKNOWN) {
            assertThat(c.route()).isEqualTo(Route.SOURCE);
        }
    }

    @Property(tries = 1000)
    void tokensAreOrderedAndInsideTheText(@ForAll("sqlNoise") String sql) {
        LexedSql l = Lexer.lex(sql);
        int previousEnd = 0;
        for (int i = 0; i < l.size(); i++) {
            assertThat(l.start(i)).isGreaterThanOrEqualTo(previousEnd);
            assertThat(l.end(i)).isGreaterThan(l.start(i)).isLessThanOrEqualTo(sql.length());
            previousEnd = l.end(i);
        }
    }

    @Property(tries = 1000)
    void digestIsStableUnderChangingLiterals(@ForAll("template") String template,
                                             @ForAll("literal") String first, @ForAll("literal") String second) {
        String a = template.replace("$", first);
        String b = template.replace("$", second);
        assertThat(Lexer.lex(a).digest()).isEqualTo(Lexer.lex(b).digest());
        Classification ca = classifier.classify(a);
        Classification cb = classifier.classify(b);
        if (ca.cacheable()) {
            assertThat(cb).isEqualTo(ca);   // what the cache relies on
        }
    }

    @Property(tries = 500)
    void whitespaceAndCommentsDoNotChangeTheDigest(@ForAll("template") String template, @ForAll("gap") String gap) {
        Assume.that(!template.contains("/*"));   // spaces inside a hint comment are not token gaps
        String plain = template.replace("$", "1");
        String spaced = plain.replace(" ", gap);
        assertThat(Lexer.lex(spaced).digest()).isEqualTo(Lexer.lex(plain).digest());
    }

    @Property(tries = 500)
    void literalsNeverLeakIntoAStatementsRoute(@ForAll @StringLength(max = 40) String text) {
        String escaped = text.replace("\\", "\\\\").replace("'", "''");
        Classification c = classifier.classify("SELECT '" + escaped + "' FROM t");
        assertThat(c.route()).isEqualTo(Route.READ);
        assertThat(c.statements()).hasSize(1);
    }

    @Property(tries = 300)
    void anyPrefixOfAStatementIsSafe(@ForAll("template") String template, @ForAll @IntRange(max = 200) int cut) {
        String sql = template.replace("$", "'x'");
        String prefix = sql.substring(0, Math.min(cut, sql.length()));
        assertThat(classifier.classify(prefix).route()).isNotNull();
    }

    /**
     * What {@link ClassifierCache} relies on, over noise: two terminated texts with the same digest have the same
     * cacheable classification, whatever literal (string, number, placeholder, signed) stands where.
     */
    @Property(tries = 3000)
    void equalDigestsMeanEqualCacheableAnswers(@ForAll("sqlNoise") String sql, @ForAll("literal") String replacement) {
        LexedSql lexed = Lexer.lex(sql);
        Assume.that(lexed.terminated());
        StringBuilder b = new StringBuilder();
        int at = 0;
        for (int i = 0; i < lexed.size(); i++) {
            TokenType t = lexed.type(i);
            if (t == TokenType.NUMBER || t == TokenType.STRING || t == TokenType.PLACEHOLDER) {
                b.append(sql, at, lexed.start(i)).append(' ').append(replacement).append(' ');
                at = lexed.end(i);
            }
        }
        String variant = b.append(sql.substring(at)).toString();
        LexedSql other = Lexer.lex(variant);
        Classification original = classifier.classify(lexed);
        boolean compared = original.cacheable() && other.terminated() && other.digest().equals(lexed.digest());
        Statistics.label("compared").collect(compared);
        if (compared) {
            assertThat(classifier.classify(other)).as(sql + "  vs  " + variant).isEqualTo(original);
        }
    }

    @Provide
    Arbitrary<String> template() {
        return Arbitraries.of(
                "SELECT * FROM t WHERE id = $",
                "SELECT $ , - $ , a - $ FROM t WHERE a BETWEEN $ AND $ LIMIT $",
                "SELECT a, b FROM t WHERE x IN ($, $) LIMIT $",
                "INSERT INTO t VALUES ($, $)",
                "UPDATE t SET a = $ WHERE b = $",
                "DELETE FROM t WHERE id = $",
                "SELECT * FROM t WHERE a = $ FOR UPDATE",
                "SELECT GET_LOCK($, $)",
                "/* sluice:replica */ SELECT $",
                "SELECT $ ; SELECT $",
                "WITH c AS (SELECT $) SELECT * FROM c");
    }

    @Provide
    Arbitrary<String> literal() {
        Arbitrary<String> ints = Arbitraries.longs().map(String::valueOf);
        Arbitrary<String> decimals = Arbitraries.doubles().map(d -> Double.toString(Math.abs(d)).replace("Infinity", "1").replace("NaN", "2"));
        Arbitrary<String> strings = Arbitraries.strings().ofMaxLength(20)
                .map(s -> "'" + s.replace("\\", "\\\\").replace("'", "''") + "'");
        Arbitrary<String> dq = Arbitraries.strings().ofMaxLength(20)
                .map(s -> "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        Arbitrary<String> hex = Arbitraries.integers().greaterOrEqual(0).map(i -> "0x" + Integer.toHexString(i));
        return Arbitraries.oneOf(ints, decimals, strings, dq, hex, Arbitraries.just("?"));
    }

    @Provide
    Arbitrary<String> gap() {
        return Arbitraries.of(" ", "  ", "\t", "\n", " /* c */ ", "\r\n", " /*+ x */ ");
    }

    @Provide
    Arbitrary<String> sqlNoise() {
        List<String> pieces = List.of("SELECT", "select", "FOR", "UPDATE", "SET", "@x", "@@y", ":=", "'", "\"", "`", "/*",
                "*/", "/*!", "/*M!", "--", "-- ", "#", "\n", ";", "(", ")", ",", "1", "0x", ".5", "e", "?", "\\", "'a'",
                "WITH", "KILL", "USE", "START", "TRANSACTION", "READ", "ONLY", "sluice:", "GET_LOCK", " ", "INTO", "=",
                "-", "+", "5", "'s'", "EXPLAIN", "ANALYZE", "FORMAT", "SAVEPOINT", "ROLLBACK", "TO", "HANDLER", "OPEN",
                "CREATE", "PROCEDURE", "BEGIN", "END", "CASE", "t", "STATEMENT", "NAMES", "autocommit", "LOCK", "TABLES");
        return Combinators.combine(Arbitraries.of(pieces).list().ofMaxSize(30), Arbitraries.of("", " "))
                .as((list, sep) -> String.join(sep, list));
    }
}
