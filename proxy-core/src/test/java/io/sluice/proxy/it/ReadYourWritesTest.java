package io.sluice.proxy.it;

import io.sluice.proxy.config.RoutingConfig;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import io.sluice.proxy.testing.FreshCluster;
import io.sluice.routing.route.Reason;
import io.sluice.routing.topology.ServerView;
import io.sluice.routing.topology.TopologySnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

import static io.sluice.proxy.it.ReadWriteSplitTest.WHO;
import static io.sluice.proxy.it.ReadWriteSplitTest.connect;
import static io.sluice.proxy.it.ReadWriteSplitTest.labelServers;
import static io.sluice.proxy.it.ReadWriteSplitTest.who;
import static io.sluice.proxy.it.RywChecker.percentile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The proof for issue #4 (consistency levels): {@link RywChecker} against a real cluster behind Sluice, with the
 * replicas made to lag deterministically by {@link ReplicaLag} (applier stalled 300 ms out of every 400 ms, lag within
 * the default 1 s budget, so reads keep going to the replicas).
 *
 * <ul>
 *   <li>{@code eventual} under lag: violations of both kinds are observed, so the checker can fail;</li>
 *   <li>{@code session} under the same lag: none, of either kind;</li>
 *   <li>{@code session} with healthy replicas: none, and most reads still served by replicas;</li>
 *   <li>a token from {@code sluice_last_gtid()} handed to a fresh connection through {@code sluice_read_after} makes
 *       it see the write, where the same read without it misses often.</li>
 * </ul>
 * Each scenario prints a one-paragraph report to stdout. Each runs on a cluster of its own, since stalling appliers is
 * not something the shared cluster may see.
 */
@ExtendWith(ClusterExtension.class)
class ReadYourWritesTest {
    private static final int SESSIONS = 8;
    private static final Duration RUN = Duration.ofSeconds(10);
    private static final Duration STALLED = Duration.ofMillis(300);
    private static final Duration RUNNING = Duration.ofMillis(100);
    private static final int TOKEN_ROUNDS = 200;

    /** Sets the session's consistency level: {@code eventual}, {@code session} or {@code global}. */
    static void consistency(Connection c, String level) throws SQLException {
        RywChecker.execute(c, "SET sluice_consistency = '" + level + "'");
    }

    @Test
    void eventualReadsFromLaggingReplicasMissOwnWritesAndGoBackInTime(@FreshCluster SandboxCluster cluster)
            throws Exception {
        try (Scenario s = Scenario.start(cluster)) {
            RywChecker.Report report = s.checkUnderLag("eventual");
            assertThat(report.replicaShare()).as("the lag must stay within budget, or nothing is tested: "
                    + report.describe()).isGreaterThan(0.5);
            assertThat(report.rywViolations()).as(report.describe()).isPositive();
            assertThat(report.monotonicViolations()).as(report.describe()).isPositive();
        }
    }

    @Test
    void sessionReadsFromLaggingReplicasSeeOwnWritesAndNeverGoBack(@FreshCluster SandboxCluster cluster)
            throws Exception {
        try (Scenario s = Scenario.start(cluster)) {
            RywChecker.Report report = s.checkUnderLag("session");
            assertThat(report.rywViolations()).as(report.describe() + " " + report.examples()).isZero();
            assertThat(report.monotonicViolations()).as(report.describe() + " " + report.examples()).isZero();
            // Zero violations from a Sluice that stopped reading from replicas would prove nothing about them.
            assertThat(report.replicaReads()).as(report.describe()).isPositive();
            var m = s.sluice.sluice().metrics();
            long waitsBefore = m.causalWaits(true) + m.causalWaits(false);
            assertThat(waitsBefore).as("under lag, reads waited for a replica to catch up").isPositive();

            // The same with SET sluice_causal_wait = 0: a read no replica can serve yet goes to the source at once.
            long fallbacksBefore = m.queries(io.sluice.proxy.metrics.RouteTarget.SOURCE, Reason.CAUSAL_FALLBACK_SOURCE);
            long fencesBefore = m.fences(true) + m.fences(false);
            String again = s.table + "_nowait";   // the checker's rows are keyed by session and sequence
            cluster.source().execute(RywChecker.createTable(again));
            cluster.awaitReplicasCaughtUp();
            RywChecker.Report noWait = s.checkUnderLag(again, "session", "SET sluice_causal_wait = 0");
            assertThat(noWait.rywViolations()).as(noWait.describe() + " " + noWait.examples()).isZero();
            assertThat(noWait.monotonicViolations()).as(noWait.describe() + " " + noWait.examples()).isZero();
            assertThat(m.causalWaits(true) + m.causalWaits(false)).as("no read waited").isEqualTo(waitsBefore);
            assertThat(m.fences(true) + m.fences(false)).as("nor had a commit wait pipelined on a replica")
                    .isEqualTo(fencesBefore);
            assertThat(m.queries(io.sluice.proxy.metrics.RouteTarget.SOURCE, Reason.CAUSAL_FALLBACK_SOURCE))
                    .as("reads no replica could serve went to the source").isGreaterThan(fallbacksBefore);
        }
    }

    @Test
    void sessionReadsOnHealthyReplicasMostlyGoToReplicas(@FreshCluster SandboxCluster cluster) throws Exception {
        try (Scenario s = Scenario.start(cluster)) {
            RywChecker.Report report = s.checker("session").run("session, replicas healthy");
            System.out.println(report.describe());
            var m = s.sluice.sluice().metrics();
            System.out.printf(java.util.Locale.ROOT, "[session, replicas healthy] causal waits: %d reached a replica"
                            + " (mean %.2f ms), %d timed out (mean %.2f ms); replica reads fenced on the commit: %d"
                            + " confirmed, %d run again on the source%n",
                    m.causalWaits(true), m.causalWaitMillis(true) / Math.max(1, m.causalWaits(true)),
                    m.causalWaits(false), m.causalWaitMillis(false) / Math.max(1, m.causalWaits(false)),
                    m.fences(true), m.fences(false));
            assertThat(report.rywViolations()).as(report.describe() + " " + report.examples()).isZero();
            assertThat(report.monotonicViolations()).as(report.describe() + " " + report.examples()).isZero();
            assertThat(report.replicaShare()).as(report.describe()).isGreaterThan(0.5);
        }
    }

    /**
     * Connection A writes and takes its token; a fresh connection B hands it to {@code sluice_read_after} and reads the
     * row. The control, interleaved with it so both see the same lag: a fresh {@code eventual} connection reads A's next
     * row without a token. Fresh connections, so B has no writes of its own that session consistency could order after.
     */
    @Test
    void aTokenMakesAnotherConnectionReadAfterTheWrite(@FreshCluster SandboxCluster cluster) throws Exception {
        try (Scenario s = Scenario.start(cluster); Connection a = connect(s.sluice);
             PreparedStatement insert = a.prepareStatement("INSERT INTO " + s.table + " (sess, seq) VALUES (0, ?)");
             ReplicaLag lag = ReplicaLag.pulse(cluster, s.table, STALLED, RUNNING)) {
            List<Probe> withToken = new ArrayList<>();
            List<Probe> without = new ArrayList<>();
            int seq = 0;
            for (int round = 0; round < TOKEN_ROUNDS; round++) {
                // The arms take turns going first: new connections may be spread over the replicas in turn, and
                // each arm should meet both.
                for (boolean tokenArm : round % 2 == 0 ? new boolean[] {true, false} : new boolean[] {false, true}) {
                    insert.setInt(1, ++seq);
                    insert.executeUpdate();
                    if (tokenArm) {
                        // B keeps the configured default level: the token alone must order its read after A's write.
                        String token = lastGtid(a);
                        assertThat(token).as("the token after a write").isNotBlank();
                        withToken.add(s.probe(seq, "SET sluice_read_after = '" + token + "'"));
                    } else {
                        without.add(s.probe(seq, "SET sluice_consistency = 'eventual'"));
                    }
                }
            }
            String report = Probe.describe("token, replicas lagging", withToken, without);
            System.out.println(report);
            assertThat(withToken).as(report).allMatch(Probe::visible);
            // Without the token the fresh connection reads whatever its replica has: stalled 3/4 of the time.
            assertThat(without).as(report).anyMatch(p -> !p.visible());
        }
    }

    private static String lastGtid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT sluice_last_gtid()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** A cluster with the checker table and servers labelled, Sluice splitting in front with the default routing. */
    private static final class Scenario implements AutoCloseable {
        final SandboxCluster cluster;
        final SluiceFixture sluice;
        final String table;

        private Scenario(SandboxCluster cluster, SluiceFixture sluice, String table) {
            this.cluster = cluster;
            this.sluice = sluice;
            this.table = table;
        }

        static Scenario start(SandboxCluster cluster) {
            labelServers(cluster);
            String db = "ryw_" + Long.toHexString(System.nanoTime());
            String table = db + ".t";
            cluster.source().execute("CREATE DATABASE " + db + "; " + RywChecker.createTable(table));
            cluster.awaitReplicasCaughtUp();
            // A replica wait, so the scenarios exercise it (the default, zero, sends such reads to the source; the
            // lagging scenario also runs with it).
            SluiceFixture sluice = SluiceFixture.splitting(cluster,
                    RoutingConfig.defaults().withCausalWait(Duration.ofMillis(50)));
            // Reads reach the replicas before the clock starts: the monitor has seen them healthy.
            await().atMost(Duration.ofSeconds(20)).ignoreExceptionsInstanceOf(SQLException.class).untilAsserted(() -> {
                try (Connection c = connect(sluice); Statement st = c.createStatement()) {
                    assertThat(who(st, WHO)).startsWith("replica");
                }
            });
            return new Scenario(cluster, sluice, table);
        }

        RywChecker checker(String level) {
            return new RywChecker(() -> connect(sluice), table, SESSIONS, RUN, c -> consistency(c, level));
        }

        /** The checker at {@code level} while the replicas lag; prints the report with what the monitor measured. */
        RywChecker.Report checkUnderLag(String level) throws Exception {
            return checkUnderLag(table, level, null);
        }

        /** As above on {@code table}, each session also running {@code extra} (when not null) after its level. */
        RywChecker.Report checkUnderLag(String table, String level, String extra) throws Exception {
            RywChecker.Report report;
            String name = level + (extra == null ? "" : " (" + extra + ")") + ", replicas lagging";
            try (MonitorWatch watch = MonitorWatch.start(sluice);
                 ReplicaLag lag = ReplicaLag.pulse(cluster, table, STALLED, RUNNING)) {
                report = new RywChecker(() -> connect(sluice), table, SESSIONS, RUN, c -> {
                    consistency(c, level);
                    if (extra != null) {
                        RywChecker.execute(c, extra);
                    }
                }).run(name);
                System.out.println(report.describe() + " " + watch.describe());
            }
            return report;
        }

        /** On a fresh connection: {@code setup}, then whether row (0, seq) is visible, and where it was read. */
        Probe probe(int seq, String setup) throws SQLException {
            try (Connection b = connect(sluice); Statement st = b.createStatement()) {
                st.execute(setup);
                long started = System.nanoTime();
                try (ResultSet rs = st.executeQuery("SELECT (SELECT COUNT(*) FROM " + table
                        + " WHERE sess = 0 AND seq = " + seq + "), (SELECT name FROM sluice_it_id.whoami)")) {
                    long latency = System.nanoTime() - started;
                    rs.next();
                    return new Probe(rs.getInt(1) == 1, rs.getString(2), latency);
                }
            }
        }

        @Override
        public void close() {
            sluice.close();
        }
    }

    /** One read of another connection's row. */
    private record Probe(boolean visible, String server, long latencyNanos) {
        static String describe(String scenario, List<Probe> withToken, List<Probe> without) {
            return String.format(Locale.ROOT, "[%s] %d writes on one connection, each read on a fresh one."
                            + " With SET sluice_read_after = <token>: %s. Control without the token (eventual): %s.",
                    scenario, withToken.size() + without.size(), summary(withToken), summary(without));
        }

        private static String summary(List<Probe> probes) {
            long missed = probes.stream().filter(p -> !p.visible()).count();
            Map<String, Integer> byServer = new TreeMap<>();
            probes.forEach(p -> byServer.merge(p.server(), 1, Integer::sum));
            long[] sorted = probes.stream().mapToLong(Probe::latencyNanos).sorted().toArray();
            return String.format(Locale.ROOT, "%d of %d reads missed the write, served by %s, read latency p50 %.2f ms,"
                    + " p99 %.2f ms", missed, probes.size(), byServer, percentile(sorted, 50) / 1e6,
                    percentile(sorted, 99) / 1e6);
        }
    }

    /**
     * Samples the monitor's view of the replicas while a scenario runs, to show the lag stayed inside the budget: the
     * replicas lagged, but the router could still choose them.
     */
    private static final class MonitorWatch implements AutoCloseable {
        private final SluiceFixture sluice;
        private final List<Long> lags = new ArrayList<>();
        private int samples;
        private int readable;
        private final Thread thread;
        private volatile boolean stopping;

        private MonitorWatch(SluiceFixture sluice) {
            this.sluice = sluice;
            this.thread = new Thread(this::sample, "monitor-watch");
            this.thread.setDaemon(true);
        }

        static MonitorWatch start(SluiceFixture sluice) {
            MonitorWatch w = new MonitorWatch(sluice);
            w.thread.start();
            return w;
        }

        private void sample() {
            long budget = RoutingConfig.DEFAULT_MAX_REPLICA_LAG.toMillis();
            while (!stopping) {
                TopologySnapshot t = sluice.sluice().monitor().current();
                synchronized (this) {
                    for (ServerView v : t.replicas()) {
                        samples++;
                        lags.add(v.lagMillis());
                        if (v.readableWithin(budget)) {
                            readable++;
                        }
                    }
                }
                // A sampling period, not a wait for a condition.
                LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            }
        }

        synchronized String describe() {
            long[] sorted = lags.stream().mapToLong(Long::longValue).sorted().toArray();
            return String.format(Locale.ROOT, "Monitor during the run: replica lag p50 %d ms, max %d ms (budget %d ms);"
                            + " replicas readable in %.0f%% of %d samples.",
                    percentile(sorted, 50), sorted.length == 0 ? 0 : sorted[sorted.length - 1],
                    RoutingConfig.DEFAULT_MAX_REPLICA_LAG.toMillis(), samples == 0 ? 0.0 : 100.0 * readable / samples,
                    samples);
        }

        @Override
        public void close() throws InterruptedException {
            stopping = true;
            thread.join(5_000);
        }
    }
}
