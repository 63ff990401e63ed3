package io.sluice.routing.classify;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Token boundaries and the digest, case by case. */
class LexerTest {

    private static List<String> tokens(String sql) {
        LexedSql l = Lexer.lex(sql);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            out.add(l.type(i) + ":" + l.text(i));
        }
        return out;
    }

    @Test
    void wordsNumbersStringsOperators() {
        assertThat(tokens("SELECT a1, 'x', 1.5e3 FROM t WHERE b <=> ?")).containsExactly(
                "WORD:SELECT", "WORD:a1", "OPERATOR:,", "STRING:'x'", "OPERATOR:,", "NUMBER:1.5e3", "WORD:FROM",
                "WORD:t", "WORD:WHERE", "WORD:b", "OPERATOR:<=>", "PLACEHOLDER:?");
    }

    @Test
    void escapesAndDoubledQuotes() {
        assertThat(tokens("'a\\'b' \"c\"\"d\" `e``f` 'g''h'")).containsExactly(
                "STRING:'a\\'b'", "STRING:\"c\"\"d\"", "QUOTED_IDENT:`e``f`", "STRING:'g''h'");
    }

    @Test
    void backslashDoesNotEscapeInBackticks() {
        assertThat(tokens("`a\\` x")).containsExactly("QUOTED_IDENT:`a\\`", "WORD:x");
    }

    @Test
    void variables() {
        assertThat(tokens("@a @`b c` @'d' @\"e\" @@f @@session.g @@GLOBAL.h @ @a.b")).containsExactly(
                "USER_VAR:@a", "USER_VAR:@`b c`", "USER_VAR:@'d'", "USER_VAR:@\"e\"", "SYSTEM_VAR:@@f",
                "SYSTEM_VAR:@@session.g", "SYSTEM_VAR:@@GLOBAL.h", "OPERATOR:@", "USER_VAR:@a.b");
    }

    @Test
    void grantHostIsAStringAndAVariableLikeToken() {
        assertThat(tokens("'u'@'h'")).containsExactly("STRING:'u'", "USER_VAR:@'h'");
    }

    @Test
    void dashDashNeedsWhitespaceOrControlOrEnd() {
        assertThat(tokens("1--1")).containsExactly("NUMBER:1", "OPERATOR:-", "OPERATOR:-", "NUMBER:1");
        assertThat(tokens("1 -- x")).containsExactly("NUMBER:1");
        assertThat(tokens("1 --\tx")).containsExactly("NUMBER:1");
        assertThat(tokens("1 --")).containsExactly("NUMBER:1");
        assertThat(tokens("1 --\nx")).containsExactly("NUMBER:1", "WORD:x");
    }

    @Test
    void jsonArrows() {
        assertThat(tokens("a->'$' b->>'$'")).containsExactly(
                "WORD:a", "OPERATOR:->", "STRING:'$'", "WORD:b", "OPERATOR:->>", "STRING:'$'");
    }

    @Test
    void executableCommentsAreSql() {
        assertThat(tokens("/*!40101 SET NAMES utf8 */")).containsExactly("WORD:SET", "WORD:NAMES", "WORD:utf8");
        assertThat(tokens("/*!SET*/x")).containsExactly("WORD:SET", "WORD:x");
        assertThat(tokens("/*M!100101 a */ b")).containsExactly("WORD:a", "WORD:b");
        assertThat(tokens("/*!100000 a */")).containsExactly("WORD:a");
        assertThat(tokens("/*+ hint */ a")).containsExactly("WORD:a");
        assertThat(tokens("/*M not exec */ a")).containsExactly("WORD:a");
    }

    @Test
    void numbersAndIdentifiersStartingWithDigits() {
        assertThat(tokens("0x1F 0b01 .5 1e 1abc 12e3 t.5")).containsExactly(
                "NUMBER:0x1F", "NUMBER:0b01", "NUMBER:.5", "WORD:1e", "WORD:1abc", "NUMBER:12e3", "WORD:t", "OPERATOR:.", "NUMBER:5");
    }

    @Test
    void unterminatedConstructsReportWhereTheyStart() {
        assertThat(Lexer.lex("SELECT 'abc").errorOffset()).isEqualTo(7);
        assertThat(Lexer.lex("SELECT `abc").errorOffset()).isEqualTo(7);
        assertThat(Lexer.lex("SELECT /* abc").errorOffset()).isEqualTo(7);
        assertThat(Lexer.lex("SELECT /*!abc").errorOffset()).isEqualTo(7);
        assertThat(Lexer.lex("SELECT @'abc").errorOffset()).isEqualTo(7);
        assertThat(Lexer.lex("SELECT 'a\\'").terminated()).isFalse();
        assertThat(Lexer.lex("SELECT 'abc'").terminated()).isTrue();
    }

    @Test
    void digestReplacesLiteralsAndNormalisesEverythingElse() {
        assertThat(Lexer.lex("select *  from t where id = 5").digest()).isEqualTo("SELECT * FROM T WHERE ID = ?");
        assertThat(Lexer.lex("SELECT * FROM t WHERE id = 'x' /* c */ -- d").digest()).isEqualTo("SELECT * FROM T WHERE ID = ?");
        assertThat(Lexer.lex("  ;; SELECT 1 ;; SELECT `Ab` ; ").digest()).isEqualTo("SELECT ?; SELECT `Ab`");
        assertThat(Lexer.lex("/*  sluice:replica   max_lag=2s */ SELECT 1").digest())
                .isEqualTo("/* sluice:replica max_lag=2s */ SELECT ?");
        assertThat(Lexer.lex("/* other */ SELECT 1").digest()).isEqualTo("SELECT ?");
        assertThat(Lexer.lex("SELECT @x, @@session.y").digest()).isEqualTo("SELECT @X , @@SESSION.Y");
    }

    @Test
    void aSignIsPartOfItsLiteralButABinaryMinusIsNot() {
        assertThat(Lexer.lex("SELECT -5").digest()).isEqualTo("SELECT ?");
        assertThat(Lexer.lex("SELECT * FROM t WHERE a = -5 AND b IN (-1, +2)").digest())
                .isEqualTo("SELECT * FROM T WHERE A = ? AND B IN ( ? , ? )");
        assertThat(Lexer.lex("SELECT a - 5, (a) -5, 1 - -5, - - 5, -?").digest()).isEqualTo("SELECT A - ? , ( A ) - ? , ? - ? , ? , ?");
        assertThat(Lexer.lex("SELECT 1; -5").digest()).isEqualTo("SELECT ?; ?");
    }

    @Test
    void hintCommentsAreOnlyThoseBeforeTheFirstToken() {
        LexedSql l = Lexer.lex("/* sluice:a */ # sluice:b\n SELECT /* sluice:c */ 1");
        assertThat(l.hintCount()).isEqualTo(2);
        assertThat(l.sql().substring(l.hintStart(0), l.hintEnd(0))).isEqualTo("sluice:a");
        assertThat(l.sql().substring(l.hintStart(1), l.hintEnd(1))).isEqualTo("sluice:b");
    }

    @Test
    void manyTokensGrowTheArrays() {
        String sql = "SELECT " + "1,".repeat(5000) + "1";
        assertThat(Lexer.lex(sql).size()).isEqualTo(1 + 2 * 5000 + 1);
    }
}
