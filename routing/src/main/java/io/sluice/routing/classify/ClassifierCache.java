package io.sluice.routing.classify;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;

/**
 * A bounded cache of {@link Classification}s keyed by statement digest, in front of a {@link StatementClassifier}:
 * {@code SELECT * FROM t WHERE id = 5} and {@code ... id = 7} lex to one digest and share one entry.
 *
 * <p>Every call still lexes (the digest is the key); a hit saves the classification. Results that carry
 * literal-dependent data ({@code USE db}, {@code SET} values, the {@code KILL} id, {@code SET STATEMENT} offsets;
 * see {@link Classification#cacheable()}) are never stored: they would be wrong for the next text with the same
 * digest. Those statements are short and cheap to classify again.
 *
 * <p>Caffeine runs its maintenance on the calling thread here ({@code executor(Runnable::run)}), so the routing
 * module starts no threads of its own. Thread-safe.
 */
public final class ClassifierCache {
    private final StatementClassifier classifier;
    private final Cache<String, Classification> cache;

    /** A cache holding at most {@code maximumSize} classifications. */
    public ClassifierCache(StatementClassifier classifier, long maximumSize) {
        if (maximumSize < 0) {
            throw new IllegalArgumentException("maximumSize must be >= 0, was " + maximumSize);
        }
        this.classifier = classifier;
        this.cache = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .executor(Runnable::run)
                .recordStats()
                .build();
    }

    /** Classifies {@code sql}, from the cache when a text with the same digest was classified before. */
    public Classification classify(String sql) {
        LexedSql lexed = Lexer.lex(sql);
        if (!lexed.terminated()) {
            // The digest covers only the tokens before the unterminated construct: "SELECT 1 /* oops" has the
            // digest of "SELECT 1", whose cached READ would be wrong for it. Never look these up.
            return classifier.classify(lexed);
        }
        String digest = lexed.digest();
        Classification cached = cache.getIfPresent(digest);
        if (cached != null) {
            return cached;
        }
        Classification fresh = classifier.classify(lexed);
        if (fresh.cacheable()) {
            cache.put(digest, fresh);
        }
        return fresh;
    }

    /** Hit and miss counts since creation, and the current number of entries. */
    public Stats stats() {
        CacheStats s = cache.stats();
        return new Stats(s.hitCount(), s.missCount(), s.evictionCount(), cache.estimatedSize());
    }

    /** Drops every entry (for instance when the classifier's rules change with configuration). */
    public void clear() {
        cache.invalidateAll();
    }

    /** Cache statistics. A miss on a non-cacheable statement counts as a miss every time. */
    public record Stats(long hits, long misses, long evictions, long size) {
        public double hitRate() {
            long total = hits + misses;
            return total == 0 ? 1.0 : (double) hits / total;
        }
    }
}
