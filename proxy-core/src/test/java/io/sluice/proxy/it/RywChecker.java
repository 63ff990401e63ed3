package io.sluice.proxy.it;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A read-your-writes and monotonic-reads checker: concurrent sessions, each on its own autocommit connection, loop
 * "insert my next row, then read" through Sluice and judge every read against what that session wrote and read before.
 *
 * <h2>The table and the two checks</h2>
 * Session {@code s} inserts rows {@code (s, 1), (s, 2), ...} into {@code t (sess, seq, PRIMARY KEY (sess, seq))}, one
 * autocommit INSERT at a time, each issued only once the previous one has committed. Every read is one statement:
 * <pre>{@code
 * SELECT (SELECT MAX(seq) FROM t WHERE sess = ?),                                -- my latest row visible?
 *        (SELECT SUM(m) FROM (SELECT MAX(seq) m FROM t GROUP BY sess) w),        -- the watermark
 *        (SELECT name FROM sluice_it_id.whoami)                                  -- who answered
 * }</pre>
 * <ul>
 *   <li><b>Read your writes</b>: the session's own latest {@code seq} must be visible; a smaller {@code MAX(seq)} is a
 *       violation.</li>
 *   <li><b>Monotonic reads</b>: the watermark is the number of checker rows the answering server holds. Every server
 *       applies the source's binlog serially and in order, so what a server holds is a prefix of one sequence of
 *       inserts, and because each session's seqs are 1..k with no gap and appear in the binlog in order, the sum of
 *       per-session maxima counts that prefix exactly: it is strictly smaller on an older prefix, never equal. A read
 *       whose watermark is below the highest this session saw before went back in time. (Summing {@code MAX(seq)} per
 *       session, rather than {@code COUNT(*)}, keeps the read an index-only loose scan of one entry per session.)</li>
 * </ul>
 * The answering server comes from {@code sluice_it_id.whoami}, a table written on each server with
 * {@code sql_log_bin = 0} (see {@link ReadWriteSplitTest#labelServers}), inside the same statement: no extra round trip
 * that could land elsewhere.
 */
final class RywChecker {
    /** How a connection gets its consistency level before the run; called once per session connection. */
    @FunctionalInterface
    interface SessionSetup {
        void apply(Connection c) throws SQLException;
    }

    /** Opens a connection through Sluice. */
    @FunctionalInterface
    interface Connector {
        Connection open() throws SQLException;
    }

    private final Connector connector;
    private final String table;
    private final int sessions;
    private final Duration duration;
    private final SessionSetup setup;

    /**
     * @param table    qualified name of the checker table, created by {@link #createTable}
     * @param sessions concurrent sessions, one connection each
     * @param duration how long each session loops
     * @param setup    applied to each session's connection before the loop (e.g. the consistency level)
     */
    RywChecker(Connector connector, String table, int sessions, Duration duration, SessionSetup setup) {
        this.connector = connector;
        this.table = table;
        this.sessions = sessions;
        this.duration = duration;
        this.setup = setup;
    }

    static String createTable(String table) {
        return "CREATE TABLE " + table + " (sess INT NOT NULL, seq INT NOT NULL, PRIMARY KEY (sess, seq))";
    }

    /** What one read saw; {@code expectedSeq} and {@code seenSeq} are the session's own rows. */
    record Read(int session, String server, long latencyNanos, int expectedSeq, int seenSeq, long watermark,
                long highestWatermarkBefore) {
        boolean missesOwnWrite() {
            return seenSeq < expectedSeq;
        }

        boolean wentBackInTime() {
            return watermark < highestWatermarkBefore;
        }
    }

    /** Runs every session for the configured duration and returns what they saw. */
    Report run(String scenario) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(sessions, r -> {
            Thread t = new Thread(r, "ryw-session");
            t.setDaemon(true);
            return t;
        });
        // Every session connects and applies its setup first, then all start the clock together.
        CyclicBarrier ready = new CyclicBarrier(sessions);
        try {
            List<Future<SessionResult>> futures = new ArrayList<>();
            for (int s = 1; s <= sessions; s++) {
                int session = s;
                futures.add(pool.submit(() -> runSession(session, ready)));
            }
            List<SessionResult> results = new ArrayList<>();
            for (Future<SessionResult> f : futures) {
                try {
                    results.add(f.get(duration.toMillis() + 60_000, TimeUnit.MILLISECONDS));
                } catch (ExecutionException e) {
                    throw new AssertionError("A checker session failed: " + e.getCause(), e.getCause());
                } catch (TimeoutException e) {
                    throw new AssertionError("A checker session did not finish in time", e);
                }
            }
            return Report.of(scenario, sessions, duration, results);
        } finally {
            pool.shutdownNow();
        }
    }

    private record SessionResult(int writes, List<Read> reads) {
    }

    private SessionResult runSession(int session, CyclicBarrier ready) throws Exception {
        List<Read> reads = new ArrayList<>();
        String readSql = "SELECT (SELECT MAX(seq) FROM " + table + " WHERE sess = ?),"
                + " (SELECT SUM(m) FROM (SELECT MAX(seq) AS m FROM " + table + " GROUP BY sess) AS w),"
                + " (SELECT name FROM sluice_it_id.whoami)";
        try (Connection c = connector.open();
             PreparedStatement insert = c.prepareStatement("INSERT INTO " + table + " (sess, seq) VALUES (?, ?)");
             PreparedStatement read = c.prepareStatement(readSql)) {
            try {
                setup.apply(c);
            } catch (SQLException e) {
                ready.reset(); // the other sessions stop waiting for this one
                throw e;
            }
            insert.setInt(1, session);
            read.setInt(1, session);
            ready.await(30, TimeUnit.SECONDS);
            long end = System.nanoTime() + duration.toNanos();
            int seq = 0;
            long highest = 0;
            while (System.nanoTime() < end) {
                insert.setInt(2, ++seq);
                insert.executeUpdate();
                long started = System.nanoTime();
                try (ResultSet rs = read.executeQuery()) {
                    long latency = System.nanoTime() - started;
                    rs.next();
                    int seen = rs.getInt(1); // 0 for NULL: none of my rows visible yet
                    long watermark = rs.getLong(2);
                    String server = rs.getString(3);
                    reads.add(new Read(session, server, latency, seq, seen, watermark, highest));
                    highest = Math.max(highest, watermark);
                }
            }
            return new SessionResult(seq, reads);
        }
    }

    /** The nearest-rank percentile of sorted values; 0 when there are none. */
    static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    /** Executes {@code sql} on {@code c}; for setups. */
    static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** What a run saw, summed over sessions. */
    record Report(String scenario, int sessions, Duration duration, int writes, int reads, int rywViolations,
                  int monotonicViolations, Map<String, Integer> readsByServer, long p50Nanos, long p99Nanos,
                  List<Read> firstViolations) {
        static Report of(String scenario, int sessions, Duration duration, List<SessionResult> results) {
            int writes = 0;
            int ryw = 0;
            int mono = 0;
            Map<String, Integer> byServer = new TreeMap<>();
            List<Read> violations = new ArrayList<>();
            List<Long> latencies = new ArrayList<>();
            for (SessionResult r : results) {
                writes += r.writes();
                for (Read read : r.reads()) {
                    byServer.merge(read.server(), 1, Integer::sum);
                    latencies.add(read.latencyNanos());
                    if (read.missesOwnWrite()) {
                        ryw++;
                    }
                    if (read.wentBackInTime()) {
                        mono++;
                    }
                    if ((read.missesOwnWrite() || read.wentBackInTime()) && violations.size() < 5) {
                        violations.add(read);
                    }
                }
            }
            long[] sorted = latencies.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(sorted);
            return new Report(scenario, sessions, duration, writes, sorted.length, ryw, mono, byServer,
                    percentile(sorted, 50), percentile(sorted, 99), List.copyOf(violations));
        }

        /** Reads answered by a server whose name starts with {@code replica}. */
        int replicaReads() {
            return readsByServer.entrySet().stream().filter(e -> e.getKey().startsWith("replica"))
                    .mapToInt(Map.Entry::getValue).sum();
        }

        double replicaShare() {
            return reads == 0 ? 0 : (double) replicaReads() / reads;
        }

        /** One paragraph for the log and the issue. */
        String describe() {
            StringBuilder spread = new StringBuilder();
            readsByServer.forEach((server, n) -> spread.append(spread.length() == 0 ? "" : ", ")
                    .append(server).append(' ').append(pct(n, reads)));
            return String.format(Locale.ROOT,
                    "[%s] %d sessions x %.0f s: %d reads checked against the session's own latest write (%d writes);"
                            + " read-your-writes violations: %d (%s of reads); monotonic-read violations: %d (%s);"
                            + " reads served by %s, replicas %s; read latency p50 %.2f ms, p99 %.2f ms.",
                    scenario, sessions, duration.toMillis() / 1000.0, reads, writes, rywViolations,
                    pct(rywViolations, reads), monotonicViolations, pct(monotonicViolations, reads), spread,
                    pct(replicaReads(), reads), p50Nanos / 1e6, p99Nanos / 1e6);
        }

        /** The first few violating reads, for a failure message; empty when there were none. */
        String examples() {
            return firstViolations.isEmpty() ? "" : "first violations: " + firstViolations;
        }

        private static String pct(int n, int of) {
            return String.format(Locale.ROOT, "%.1f%%", of == 0 ? 0.0 : 100.0 * n / of);
        }
    }
}
