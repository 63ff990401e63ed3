package io.sluice.routing.classify;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The table of classifier cases in {@code classifier-cases.txt}: one line per SQL text with the expected kind,
 * route and effects. A table rather than code so that a new case is one line and a reviewer reads them like a spec.
 */
class ClassifierCasesTest {
    private static final StatementClassifier CLASSIFIER = new StatementClassifier();

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> cases = new ArrayList<>();
        try (InputStream in = ClassifierCasesTest.class.getResourceAsStream("classifier-cases.txt");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            while ((line = r.readLine()) != null) {
                number++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\\|", 4);
                if (f.length != 4) {
                    throw new IllegalStateException("line " + number + ": expected 4 fields: " + line);
                }
                String sql = f[3].startsWith(" ") ? f[3].substring(1) : f[3];
                sql = sql.replace("{NL}", "\n").replace("{TAB}", "\t").replace("{CR}", "\r");
                cases.add(Arguments.of(number, sql, f[0].trim(), f[1].trim(), f[2].trim()));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "line {0}: {1}")
    @MethodSource("cases")
    void classifies(int line, String sql, String kind, String route, String expectations) {
        Classification c = CLASSIFIER.classify(sql);
        String why = "line " + line + " [" + sql + "] -> " + c;
        assertThat(c.kind()).as(why).isEqualTo(StatementKind.valueOf(kind));
        assertThat(c.route()).as(why).isEqualTo(Route.valueOf(route));
        if (expectations.equals("-")) {
            return;
        }
        ClassifiedStatement first = c.first();
        for (String e : expectations.split("\\s+")) {
            if (e.startsWith("tx=")) {
                assertThat(first.transaction()).as(why).isEqualTo(TransactionEffect.valueOf(e.substring(3)));
            } else if (e.startsWith("flag=")) {
                assertThat(first.flags()).as(why).contains(StatementFlag.valueOf(e.substring(5)));
            } else if (e.startsWith("!flag=")) {
                assertThat(first.flags()).as(why).doesNotContain(StatementFlag.valueOf(e.substring(6)));
            } else if (e.startsWith("pin+")) {
                assertThat(first.pins()).as(why).contains(PinChange.acquire(Pin.valueOf(e.substring(4))));
            } else if (e.startsWith("pin-")) {
                assertThat(first.pins()).as(why).contains(PinChange.release(Pin.valueOf(e.substring(4))));
            } else if (e.startsWith("pin*")) {
                assertThat(first.pins()).as(why).contains(PinChange.releaseAll(Pin.valueOf(e.substring(4))));
            } else if (e.equals("nopins")) {
                assertThat(first.pins()).as(why).isEmpty();
            } else if (e.equals("nosession")) {
                assertThat(first.session()).as(why).isEmpty();
            } else if (e.startsWith("session=")) {
                String type = e.substring(8);
                assertThat(first.session()).as(why).anyMatch(s -> s.getClass().getSimpleName().equals(type));
            } else if (e.startsWith("n=")) {
                assertThat(c.statements()).as(why).hasSize(Integer.parseInt(e.substring(2)));
            } else if (e.startsWith("kinds=")) {
                assertThat(c.statements()).as(why).extracting(ClassifiedStatement::kind)
                        .containsExactlyElementsOf(Arrays.stream(e.substring(6).split(",")).map(StatementKind::valueOf).toList());
            } else if (e.startsWith("classified=")) {
                assertThat(c.classifiedRoute()).as(why).isEqualTo(Route.valueOf(e.substring(11)));
            } else if (e.equals("cacheable")) {
                assertThat(c.cacheable()).as(why).isTrue();
            } else if (e.equals("!cacheable")) {
                assertThat(c.cacheable()).as(why).isFalse();
            } else {
                throw new IllegalArgumentException("line " + line + ": unknown expectation " + e);
            }
        }
    }

    /**
     * Every case through one shared cache, twice, gives what a fresh classification gives: no two texts in the
     * table share a digest but classify differently, which would make the cache hand out a wrong answer.
     */
    @Test
    void theCacheNeverChangesAnAnswer() throws IOException {
        ClassifierCache cache = new ClassifierCache(CLASSIFIER, 10_000);
        List<String> sqls = cases().map(a -> (String) a.get()[1]).toList();
        for (int round = 0; round < 2; round++) {
            for (String sql : sqls) {
                assertThat(cache.classify(sql)).as(sql).isEqualTo(CLASSIFIER.classify(sql));
            }
        }
        assertThat(cache.stats().hits()).isPositive();
    }

    @Test
    void literalVariantsOfEveryCaseClassifyAlike() throws IOException {
        for (Object[] a : cases().map(Arguments::get).toList()) {
            String sql = (String) a[1];
            LexedSql lexed = Lexer.lex(sql);
            if (!lexed.terminated()) {
                continue;
            }
            Classification original = CLASSIFIER.classify(sql);
            String positive = replaceLiterals(lexed, "12345");
            assertThat(Lexer.lex(positive).digest()).as(positive).isEqualTo(lexed.digest());
            // A sign folds into its literal only where the lexer can tell it is a sign; where it cannot, the
            // digests differ (a lost cache hit), but equal digests must always mean equal answers.
            String negative = replaceLiterals(lexed, "-12345");
            for (String variant : List.of(positive, negative)) {
                if (original.cacheable() && Lexer.lex(variant).digest().equals(lexed.digest())) {
                    assertThat(CLASSIFIER.classify(variant)).as(sql + " vs " + variant).isEqualTo(original);
                }
            }
        }
    }

    /** Every number replaced by {@code number}, every string by another string. */
    private static String replaceLiterals(LexedSql lexed, String number) {
        String sql = lexed.sql();
        StringBuilder b = new StringBuilder();
        int at = 0;
        for (int i = 0; i < lexed.size(); i++) {
            TokenType t = lexed.type(i);
            if (t == TokenType.NUMBER || t == TokenType.STRING) {
                b.append(sql, at, lexed.start(i)).append(t == TokenType.NUMBER ? number : "'other''s'");
                at = lexed.end(i);
            }
        }
        return b.append(sql.substring(at)).toString();
    }
}
