package io.sluice.routing.classify;

import io.sluice.routing.classify.SessionEffect.Assignment;
import io.sluice.routing.classify.SessionEffect.SetAutocommit;
import io.sluice.routing.classify.SessionEffect.SetCharset;
import io.sluice.routing.classify.SessionEffect.SetTransaction;
import io.sluice.routing.classify.SessionEffect.SetVariables;
import io.sluice.routing.classify.SessionEffect.UseDatabase;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The values a classification carries beyond kind and route: session effects, KILL ids, prefixes, hints. */
class ClassifierValuesTest {
    private final StatementClassifier classifier = new StatementClassifier();

    private ClassifiedStatement first(String sql) {
        return classifier.classify(sql).first();
    }

    @Test
    void useKeepsTheSchemaWithoutBackticks() {
        assertThat(first("USE shop").session()).containsExactly(new UseDatabase("shop"));
        assertThat(first("USE `my``db`").session()).containsExactly(new UseDatabase("my`db"));
    }

    @Test
    void setNamesKeepsCharsetAndCollation() {
        assertThat(first("SET NAMES utf8mb4").session())
                .containsExactly(new SetCharset(SetCharset.CharsetCommand.NAMES, "utf8mb4", Optional.empty()));
        assertThat(first("SET NAMES 'utf8mb4' COLLATE 'utf8mb4_bin'").session())
                .containsExactly(new SetCharset(SetCharset.CharsetCommand.NAMES, "utf8mb4", Optional.of("utf8mb4_bin")));
        assertThat(first("SET CHARACTER SET latin1").session())
                .containsExactly(new SetCharset(SetCharset.CharsetCommand.CHARACTER_SET, "latin1", Optional.empty()));
        assertThat(first("/*!40101 SET NAMES utf8 */").session())
                .containsExactly(new SetCharset(SetCharset.CharsetCommand.NAMES, "utf8", Optional.empty()));
    }

    @Test
    void autocommitIsItsOwnEffect() {
        assertThat(first("SET autocommit=0").session()).containsExactly(new SetAutocommit(false));
        assertThat(first("SET @@session.autocommit = 'ON'").session()).containsExactly(new SetAutocommit(true));
        assertThat(first("SET autocommit = TRUE").session()).containsExactly(new SetAutocommit(true));
    }

    @Test
    void setVariablesKeepNamesAndTheRawAssignments() {
        ClassifiedStatement s = first("SET SESSION sql_mode = 'ANSI,NO_ZERO_DATE', @@session.Wait_Timeout=10, @@local.x = CONCAT('a', 'b'), LOCAL y := 2");
        SetVariables v = (SetVariables) s.session().get(0);
        assertThat(v.names()).containsExactly("sql_mode", "wait_timeout", "x", "y");
        assertThat(v.assignments().get(0)).isEqualTo(new Assignment("sql_mode", "'ANSI,NO_ZERO_DATE'", "sql_mode = 'ANSI,NO_ZERO_DATE'"));
        assertThat(v.assignments().get(2).value()).isEqualTo("CONCAT('a', 'b')");
        assertThat(v.assignmentText())
                .isEqualTo("sql_mode = 'ANSI,NO_ZERO_DATE', @@session.Wait_Timeout=10, @@local.x = CONCAT('a', 'b'), y := 2");
    }

    @Test
    void scopeKeywordsCarryOverToTheFollowingAssignments() {
        ClassifiedStatement s = first("SET GLOBAL a = 1, b = 2, SESSION c = 3, d = 4, @@global.e = 5, f = 6");
        assertThat(s.has(StatementFlag.SET_GLOBAL)).isTrue();
        assertThat(((SetVariables) s.session().get(0)).names()).containsExactly("c", "d", "f");
        assertThat(s.route()).isEqualTo(Route.SOURCE);
    }

    @Test
    void setGlobalHasNoSessionEffect() {
        ClassifiedStatement s = first("SET GLOBAL sql_mode = 'ANSI'");
        assertThat(s.session()).isEmpty();
        assertThat(s.route()).isEqualTo(Route.SOURCE);
    }

    @Test
    void setTransactionScopes() {
        assertThat(first("SET TRANSACTION ISOLATION LEVEL READ COMMITTED").session()).containsExactly(
                new SetTransaction(SetTransaction.Scope.NEXT_TRANSACTION, Optional.of(SetTransaction.IsolationLevel.READ_COMMITTED), Optional.empty()));
        assertThat(first("SET SESSION TRANSACTION READ ONLY, ISOLATION LEVEL SERIALIZABLE").session()).containsExactly(
                new SetTransaction(SetTransaction.Scope.SESSION, Optional.of(SetTransaction.IsolationLevel.SERIALIZABLE),
                        Optional.of(SetTransaction.AccessMode.READ_ONLY)));
    }

    @Test
    void setMixesEffectsInOrder() {
        List<SessionEffect> effects = first("SET NAMES utf8, autocommit = 0, time_zone = '+00:00'").session();
        assertThat(effects).containsExactly(
                new SetCharset(SetCharset.CharsetCommand.NAMES, "utf8", Optional.empty()),
                new SetAutocommit(false),
                new SetVariables(List.of(new Assignment("time_zone", "'+00:00'", "time_zone = '+00:00'"))));
    }

    @Test
    void killExposesTheConnectionId() {
        assertThat(first("KILL 42").kill()).contains(new KillTarget(false, 42));
        assertThat(first("KILL CONNECTION 7").kill()).contains(new KillTarget(false, 7));
        assertThat(first("kill query 9").kill()).contains(new KillTarget(true, 9));
        assertThat(first("KILL SOFT QUERY 9").kill()).contains(new KillTarget(true, 9));
        assertThat(first("KILL QUERY ID 9").kill()).isEmpty();
        assertThat(first("KILL @id").kill()).isEmpty();
        assertThat(first("KILL 1.5").kill()).isEmpty();
        assertThat(first("KILL 99999999999999999999999").kill()).isEmpty();
    }

    @Test
    void setStatementKeepsPrefixAndInnerOffset() {
        String sql = "  SET STATEMENT max_statement_time=5 FOR  SELECT * FROM t";
        ClassifiedStatement s = first(sql);
        assertThat(s.kind()).isEqualTo(StatementKind.SELECT);
        SetStatementPrefix p = s.setStatement().orElseThrow();
        assertThat(p.prefix()).isEqualTo("SET STATEMENT max_statement_time=5 FOR");
        assertThat(sql.substring(p.innerOffset())).isEqualTo("SELECT * FROM t");
    }

    @Test
    void setStatementInnerSessionEffectsSurvive() {
        ClassifiedStatement s = first("SET STATEMENT sql_mode='' FOR SET @@session.x = 1");
        assertThat(s.kind()).isEqualTo(StatementKind.SET);
        assertThat(((SetVariables) s.session().get(0)).names()).containsExactly("x");
    }

    @Test
    void hintsAreParsedAndCombined() {
        Hints h = classifier.classify("/* sluice:replica, max_lag=200ms sluice:consistency=session */ SELECT 1").hints();
        assertThat(h.route()).contains(Route.READ);
        assertThat(h.maxLag()).contains(Duration.ofMillis(200));
        assertThat(h.consistency()).contains(Consistency.SESSION);
        assertThat(h.unknown()).isEmpty();

        assertThat(classifier.classify("/* sluice:max_lag=2s */ SELECT 1").hints().maxLag()).contains(Duration.ofSeconds(2));
        assertThat(classifier.classify("/* sluice:consistency=STRONG */ SELECT 1").hints().consistency()).contains(Consistency.GLOBAL);
        assertThat(classifier.classify("/* sluice:consistency=eventual */ SELECT 1").hints().consistency()).contains(Consistency.EVENTUAL);
    }

    @Test
    void hintsInSeveralLeadingCommentsAllCount() {
        Hints h = classifier.classify("/* sluice:replica */ -- sluice:max_lag=1s\n# sluice:consistency=eventual\nSELECT 1").hints();
        assertThat(h.route()).contains(Route.READ);
        assertThat(h.maxLag()).contains(Duration.ofSeconds(1));
        assertThat(h.consistency()).contains(Consistency.EVENTUAL);
    }

    @Test
    void unknownAndMalformedHintsAreReported() {
        Hints h = classifier.classify("/* sluice:primary max_lag=fast max_lag=10 max_lag=ms consistency=total source=1 replica */ SELECT 1").hints();
        assertThat(h.unknown()).containsExactly("primary", "max_lag=fast", "max_lag=10", "max_lag=ms", "consistency=total", "source=1");
        assertThat(h.route()).contains(Route.READ);
        assertThat(h.maxLag()).isEmpty();
    }

    @Test
    void commentsAfterTheFirstTokenAreNotHints() {
        assertThat(classifier.classify("SELECT /* sluice:source */ 1").hints()).isEqualTo(Hints.NONE);
        assertThat(classifier.classify("/* app=web */ SELECT 1").hints()).isEqualTo(Hints.NONE);
    }

    @Test
    void sourceHintWinsOverReplica() {
        Classification c = classifier.classify("/* sluice:replica sluice:source */ SELECT 1");
        assertThat(c.route()).isEqualTo(Route.SOURCE);
        assertThat(c.replicaHintRefused()).isFalse();
    }

    @Test
    void replicaHintOnAWriteIsRefusedAndSaysSo() {
        Classification c = classifier.classify("/* sluice:replica */ UPDATE t SET a = 1");
        assertThat(c.route()).isEqualTo(Route.SOURCE);
        assertThat(c.replicaHintRefused()).isTrue();
    }

    @Test
    void multiStatementListsEveryStatementAndTakesTheStrictestRoute() {
        Classification c = classifier.classify("SELECT 1; UPDATE t SET a = 1; SELECT 2");
        assertThat(c.multiStatement()).isTrue();
        assertThat(c.statements()).extracting(ClassifiedStatement::route).containsExactly(Route.READ, Route.SOURCE, Route.READ);
        assertThat(c.route()).isEqualTo(Route.SOURCE);
        assertThat(c.digest()).isEqualTo("SELECT ?; UPDATE T SET A = ?; SELECT ?");
    }

    @Test
    void resultsAreImmutable() {
        ClassifiedStatement s = first("SELECT GET_LOCK('a', 1) FOR UPDATE");
        assertThatThrownBy(() -> s.flags().add(StatementFlag.WRITES)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> s.pins().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> s.session().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void unterminatedTextIsOneUnknownStatementForTheSource() {
        Classification c = classifier.classify("SELECT 1; SELECT 'oops");
        assertThat(c.statements()).hasSize(1);
        assertThat(c.first().kind()).isEqualTo(StatementKind.UNKNOWN);
        assertThat(c.first().has(StatementFlag.UNTERMINATED)).isTrue();
        assertThat(c.route()).isEqualTo(Route.SOURCE);
        assertThat(c.cacheable()).isFalse();
    }

    @Test
    void durationsParse() {
        assertThat(Hints.parseDuration("0ms")).isEqualTo(Duration.ZERO);
        assertThat(Hints.parseDuration("1500MS")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Hints.parseDuration("3s")).isEqualTo(Duration.ofSeconds(3));
        assertThat(Hints.parseDuration("s")).isNull();
        assertThat(Hints.parseDuration("1.5s")).isNull();
        assertThat(Hints.parseDuration("-1s")).isNull();
        assertThat(Hints.parseDuration("1234567890s")).isNull();
    }
}
