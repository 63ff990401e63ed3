package io.sluice.routing.classify;

import io.sluice.routing.classify.SessionEffect.UseDatabase;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClassifierCacheTest {
    private final ClassifierCache cache = new ClassifierCache(new StatementClassifier(), 100);

    @Test
    void statementsThatDifferOnlyInLiteralsShareOneEntry() {
        Classification a = cache.classify("SELECT * FROM t WHERE id = 5");
        Classification b = cache.classify("select *   from t where id = 7 -- different");
        assertThat(b).isSameAs(a);
        assertThat(cache.stats().hits()).isEqualTo(1);
        assertThat(cache.stats().misses()).isEqualTo(1);
        assertThat(cache.stats().size()).isEqualTo(1);
    }

    @Test
    void literalDependentResultsAreNeverShared() {
        Classification one = cache.classify("USE a");
        Classification two = cache.classify("USE A");
        assertThat(one.first().session()).containsExactly(new UseDatabase("a"));
        assertThat(two.first().session()).containsExactly(new UseDatabase("A"));
        assertThat(cache.classify("KILL 1").first().kill().orElseThrow().connectionId()).isEqualTo(1);
        assertThat(cache.classify("KILL 2").first().kill().orElseThrow().connectionId()).isEqualTo(2);
        assertThat(cache.classify("SET sql_mode = 'A'").first().session())
                .isNotEqualTo(cache.classify("SET sql_mode = 'B'").first().session());
        assertThat(cache.classify("SET STATEMENT a=1 FOR SELECT 1").first().setStatement().orElseThrow().innerOffset())
                .isNotEqualTo(cache.classify("SET STATEMENT a=100 FOR SELECT 1").first().setStatement().orElseThrow().innerOffset());
        assertThat(cache.stats().size()).isZero();
        assertThat(cache.stats().hits()).isZero();
    }

    @Test
    void hintsAreNotConfusedWithTheirAbsence() {
        assertThat(cache.classify("SELECT 1").route()).isEqualTo(Route.READ);
        assertThat(cache.classify("/* sluice:source */ SELECT 1").route()).isEqualTo(Route.SOURCE);
        assertThat(cache.classify("/* other */ SELECT 2").route()).isEqualTo(Route.READ);
        assertThat(cache.stats().hits()).isEqualTo(1);
    }

    @Test
    void quotedIdentifiersAreNotLiterals() {
        assertThat(cache.classify("SELECT `for` FROM t").route()).isEqualTo(Route.READ);
        assertThat(cache.classify("SELECT * FROM t FOR UPDATE").route()).isEqualTo(Route.SOURCE);
    }

    @Test
    void anUnterminatedTextNeverHitsTheEntryOfItsTerminatedPrefix() {
        assertThat(cache.classify("SELECT 1").route()).isEqualTo(Route.READ);
        Classification c = cache.classify("SELECT 1 /* DELETE FROM t");
        assertThat(c.kind()).isEqualTo(StatementKind.UNKNOWN);
        assertThat(c.route()).isEqualTo(Route.SOURCE);
        assertThat(cache.classify("SELECT 1 ; UPDATE t SET a = 'x").route()).isEqualTo(Route.SOURCE);
    }

    @Test
    void theCacheIsBounded() {
        ClassifierCache small = new ClassifierCache(new StatementClassifier(), 10);
        for (int i = 0; i < 200; i++) {
            small.classify("SELECT * FROM t" + i);
        }
        small.classify("SELECT 1");  // maintenance runs on the caller; give it one more call to settle
        assertThat(small.stats().size()).isLessThanOrEqualTo(10);
        assertThat(small.stats().evictions()).isPositive();
    }

    @Test
    void hitRateAndClear() {
        assertThat(cache.stats().hitRate()).isEqualTo(1.0);
        cache.classify("SELECT 1");
        cache.classify("SELECT 2");
        assertThat(cache.stats().hitRate()).isEqualTo(0.5);
        cache.clear();
        assertThat(cache.stats().size()).isZero();
    }

    @Test
    void rejectsANegativeSize() {
        assertThatThrownBy(() -> new ClassifierCache(new StatementClassifier(), -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
