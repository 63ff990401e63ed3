package io.sluice.bench.jmh;

import io.sluice.routing.classify.Classification;
import io.sluice.routing.classify.ClassifierCache;
import io.sluice.routing.classify.StatementClassifier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Statement classification, the routing question asked for every {@code COM_QUERY}: the classifier on its own (lex
 * and classify), and through {@link ClassifierCache} once the statement's digest is cached (lex and digest, then a
 * hit; literals differ between calls as they do in real traffic, so the digest, not the text, must match).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ClassifierBenchmark {

    /** Typical statements: sysbench's, a driver's session set-up, a locking read, a join with a hint comment. */
    public enum Statement {
        POINT_SELECT("SELECT c FROM sbtest1 WHERE id=%d"),
        RANGE_SELECT("SELECT DISTINCT c FROM sbtest3 WHERE id BETWEEN %d AND 5099 ORDER BY c"),
        UPDATE("UPDATE sbtest2 SET k=k+1 WHERE id=%d"),
        INSERT("INSERT INTO sbtest4 (id, k, c, pad) VALUES (%d, 4993, '8386864191-287739728', '67847967377-4800096')"),
        BEGIN("BEGIN"),
        SET_AUTOCOMMIT("SET autocommit=%d"),
        SELECT_FOR_UPDATE("SELECT k FROM sbtest1 WHERE id=%d FOR UPDATE"),
        JOIN_WITH_COMMENT("/* app:orders */ SELECT o.id, o.total, c.name FROM orders o JOIN customers c "
                + "ON c.id = o.customer_id WHERE o.created_at > '2024-01-01' AND c.region = 'eu' AND o.id > %d "
                + "ORDER BY o.created_at DESC LIMIT 50");

        final String template;

        Statement(String template) {
            this.template = template;
        }
    }

    @Param
    public Statement statement;

    private static final int VARIANTS = 1024;
    private final StatementClassifier classifier = new StatementClassifier();
    private ClassifierCache cache;
    private String[] texts;
    private int next;

    @Setup
    public void setUp() {
        texts = new String[VARIANTS];
        for (int i = 0; i < VARIANTS; i++) {
            texts[i] = statement.template.contains("%d") ? String.format(statement.template, 1000 + i) : statement.template;
        }
        cache = new ClassifierCache(classifier, 10_000);
        for (String t : texts) {
            cache.classify(t);
        }
    }

    private String nextText() {
        next = (next + 1) & (VARIANTS - 1);
        return texts[next];
    }

    @Benchmark
    public Classification classify() {
        return classifier.classify(nextText());
    }

    @Benchmark
    public Classification cachedClassify() {
        return cache.classify(nextText());
    }
}
