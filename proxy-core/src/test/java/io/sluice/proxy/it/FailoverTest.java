package io.sluice.proxy.it;

import io.sluice.proxy.config.BackendConfig;
import io.sluice.proxy.config.FailoverConfig;
import io.sluice.proxy.config.HostPort;
import io.sluice.proxy.config.MonitorConfig;
import io.sluice.proxy.config.PoolConfig;
import io.sluice.proxy.config.RoutingConfig;
import io.sluice.proxy.config.SluiceConfig;
import io.sluice.proxy.config.TlsConfig;
import io.sluice.proxy.config.UserConfig;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxServer;
import io.sluice.proxy.testing.ClusterExtension;
import io.sluice.proxy.testing.FreshCluster;
import io.sluice.routing.topology.ServerView;
import io.sluice.proxy.sandbox.SandboxOptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * Failover against real clusters: kill -9 the source under load, a stall that is not a death, the old source coming
 * back, mode {@code off}, an operator's FAILOVER through the admin port (and its refusals), a candidate catching up
 * from a more advanced replica, semi-sync kept after a failover or switchover, and a dual-source pair. Sluice runs with the default monitor interval (500ms) and failover settings, except the
 * replication account (the sandbox's has a password, which servers never show).
 */
@ExtendWith(ClusterExtension.class)
class FailoverTest {
    private static final int WRITERS = 4;
    /** Sessions that read back each of their acknowledged inserts at once, on the same connection (session level). */
    private static final int RYW_SESSIONS = 4;

    private static SluiceConfig config(SandboxCluster cluster, FailoverConfig failover) {
        return config(cluster, failover, true);
    }

    /** Every server a backend, the monitor and failover on; shared by the failover-related test classes. */
    static SluiceConfig config(SandboxCluster cluster, FailoverConfig failover, boolean replicasCandidates) {
        return config(cluster, failover, s -> s == cluster.source() || replicasCandidates);
    }

    private static SluiceConfig config(SandboxCluster cluster, FailoverConfig failover,
                                       java.util.function.Predicate<SandboxServer> candidate) {
        List<BackendConfig> backends = new ArrayList<>();
        for (SandboxServer s : cluster.servers()) {
            backends.add(new BackendConfig(s.name(), new HostPort(s.host(), s.port()), 1, candidate.test(s),
                    BackendConfig.DEFAULT_PRIORITY));
        }
        MonitorConfig monitor = new MonitorConfig(SandboxAccounts.MONITOR.user(), SandboxAccounts.MONITOR.password(),
                MonitorConfig.DEFAULT_INTERVAL);
        return new SluiceConfig(new HostPort("127.0.0.1", 0), SluiceConfig.DEFAULT_MAX_CONNECTIONS,
                SluiceConfig.DEFAULT_HANDSHAKE_TIMEOUT, SluiceConfig.DEFAULT_MAX_ALLOWED_PACKET,
                List.of(new UserConfig(SluiceFixture.STATIC_USER, SluiceFixture.STATIC_PASSWORD)), true,
                Duration.ofSeconds(1), backends, Optional.of(monitor), TlsConfig.defaults(), RoutingConfig.defaults(),
                PoolConfig.defaults()).withFailover(failover);
    }

    static FailoverConfig auto() {
        return FailoverConfig.defaults().withReplicationAccount(SandboxAccounts.REPLICATION.user(),
                SandboxAccounts.REPLICATION.password());
    }

    private static Connection connect(SluiceFixture sluice) throws SQLException {
        return DriverManager.getConnection(sluice.mariadbUrl(SandboxAccounts.APP.user(), SandboxAccounts.APP.password())
                + "&connectTimeout=5000&socketTimeout=20000");
    }

    private static Optional<String> source(SluiceFixture sluice) {
        return sluice.sluice().topology().source().map(ServerView::name);
    }

    private static SandboxServer byName(SandboxCluster cluster, String name) {
        return cluster.servers().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    private static void createTable(SandboxCluster cluster) {
        cluster.source().execute("CREATE DATABASE IF NOT EXISTS fo; CREATE TABLE fo.t (w INT NOT NULL, n INT NOT NULL,"
                + " PRIMARY KEY (w, n)) ENGINE=InnoDB");
        cluster.awaitReplicasCaughtUp();
    }

    /**
     * kill -9 of the source under write load, semi-sync: no acknowledged insert is lost and writes resume on the
     * promoted replica. Each run forms a fresh cluster; {@code -Dsluice.failover.runs=N} (default 1) repeats it and
     * prints every run's time from the kill to the first acknowledged write, and their median.
     */
    @TestFactory
    Stream<DynamicTest> killNineUnderWriteLoadLosesNoAcknowledgedInsertAndWritesResume() {
        int runs = Integer.getInteger("sluice.failover.runs", 1);
        List<Long> figures = new java.util.concurrent.CopyOnWriteArrayList<>();
        return IntStream.rangeClosed(1, runs).mapToObj(run -> DynamicTest.dynamicTest("run " + run + " of " + runs,
                () -> {
                    try (SandboxCluster cluster = SandboxCluster.start(SandboxOptions.defaults().withSemiSync(true))) {
                        figures.add(killNineUnderWriteLoad(cluster));
                    }
                    if (run == runs) {
                        List<Long> sorted = figures.stream().sorted().toList();
                        long median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
                        System.out.printf("FAILOVER kill -9 to first write over %d runs: %s ms, median %d ms%n",
                                figures.size(), figures, median);
                    }
                }));
    }

    /** One run: returns the time from the kill to the first write acknowledged after it, in ms. */
    private static long killNineUnderWriteLoad(SandboxCluster cluster) throws Exception {
        createTable(cluster);
        ReadWriteSplitTest.labelServers(cluster);
        try (SluiceFixture sluice = SluiceFixture.start(config(cluster, auto()))) {
            ReadBack readBack = ReadBack.start(sluice, RYW_SESSIONS);
            Set<Long> acked = ConcurrentHashMap.newKeySet();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong killedAt = new AtomicLong();
            AtomicLong firstWriteAfterKill = new AtomicLong();
            AtomicInteger errors = new AtomicInteger();
            java.util.Map<String, Integer> errorKinds = new ConcurrentHashMap<>();
            AtomicInteger ackedAfterKill = new AtomicInteger();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                Thread t = new Thread(() -> {
                    int n = 0;
                    Connection c = null;
                    while (!stop.get()) {
                        try {
                            if (c == null) {
                                c = connect(sluice);
                            }
                            n++;
                            long began = System.nanoTime();
                            try (Statement s = c.createStatement()) {
                                s.executeUpdate("INSERT INTO fo.t VALUES (" + writer + ", " + n + ")");
                            }
                            long now = System.nanoTime();
                            acked.add(((long) writer << 32) | n);
                            long kill = killedAt.get();
                            if (kill != 0 && began - kill > 0) {
                                firstWriteAfterKill.compareAndSet(0, now);
                                ackedAfterKill.incrementAndGet();
                            }
                        } catch (SQLException e) {
                            errors.incrementAndGet();
                            errorKinds.merge(e.getErrorCode() + " " + String.valueOf(e.getMessage()).replaceAll("\\d+", "N"),
                                    1, Integer::sum);
                            close(c);
                            c = null;
                            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
                        }
                    }
                    close(c);
                }, "writer-" + w);
                t.start();
                writers.add(t);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> acked.size() >= 200);

            SandboxServer old = cluster.source();
            old.kill9();
            // Taken once the process is gone: a write that began before could still have been acknowledged by it.
            killedAt.set(System.nanoTime());
            int ackedAtKill = acked.size();

            await().atMost(Duration.ofSeconds(30)).until(() -> ackedAfterKill.get() >= 100);
            await().atMost(Duration.ofSeconds(30)).until(() -> readBack.readsAfter(killedAt.get()) >= 100);
            stop.set(true);
            for (Thread t : writers) {
                t.join(30_000);
            }
            readBack.stop();
            long killToWriteMs = (firstWriteAfterKill.get() - killedAt.get()) / 1_000_000;

            String promoted = source(sluice).orElseThrow();
            assertThat(promoted).isNotEqualTo(old.name());
            SandboxServer newSource = byName(cluster, promoted);
            Set<Long> present = new HashSet<>();
            for (List<String> row : newSource.query("SELECT w, n FROM fo.t")) {
                present.add((Long.parseLong(row.get(0)) << 32) | Long.parseLong(row.get(1)));
            }
            Set<Long> lost = new HashSet<>(acked);
            lost.removeAll(present);
            System.out.printf("FAILOVER kill -9 under load: kill-to-first-write %d ms, acknowledged %d (%d before the"
                            + " kill), lost %d, client errors %d, promoted %s%n", killToWriteMs, acked.size(),
                    ackedAtKill, lost.size(), errors.get(), promoted);
            System.out.println("FAILOVER client errors by kind: " + errorKinds);
            System.out.println("FAILOVER read-your-writes sessions: " + readBack.describe(killedAt.get()));

            assertThat(lost).as("acknowledged inserts missing from the new source").isEmpty();
            assertThat(readBack.violations()).as("reads that missed the session's own acknowledged insert: "
                    + readBack.describe(killedAt.get())).isEmpty();
            assertThat(readBack.replicaReads()).as("reads served by replicas, or the check proves little: "
                    + readBack.describe(killedAt.get())).isPositive();
            // Not asserted: which errors clients see. Writes in flight on the dead source get ER 2013 (one per
            // writer); logins wait for a live server; but a statement routed to the source in the few hundred ms
            // before the monitor notices it is dead can still fail to open a connection there (ER 2003).
            assertThat(errorKinds.keySet()).as("errors clients see").allMatch(k -> k.startsWith("2013 ")
                    || k.startsWith("2003 "));
            assertThat(newSource.queryValue("SELECT @@GLOBAL.read_only")).isEqualTo("0");
            assertThat(newSource.queryValue("SELECT @@GLOBAL.rpl_semi_sync_master_enabled")).as("semi-sync kept")
                    .isEqualTo("1");
            assertThat(sluice.sluice().failover().fenced()).containsExactly(old.name());
            var registry = sluice.sluice().metrics().registry();
            assertThat(registry.get("sluice.failovers").functionCounter().count()).isEqualTo(1.0);
            assertThat(registry.get("sluice.backend.fenced").tag("server", old.name()).gauge().value()).isEqualTo(1.0);
            assertThat(registry.get("sluice.failover.last.duration").gauge().value()).isPositive();
            for (SandboxServer r : cluster.replicas()) {
                if (r != newSource) {
                    await().atMost(Duration.ofSeconds(10)).until(() -> r.isReplicating()
                            && String.valueOf(newSource.port()).equals(r.replicationStatus().get("Master_Port")));
                    cluster.awaitReplicating(r, Duration.ofSeconds(10));
                    await().atMost(Duration.ofSeconds(10)).until(() -> r.gtidPosition().equals(newSource.gtidPosition()));
                }
            }
            return killToWriteMs;
        }
    }

    @Test
    @FreshCluster
    void aWriteArrivingWhileThereIsNoSourceWaitsAndRunsOnTheNewOne(SandboxCluster cluster) throws Exception {
        createTable(cluster);
        try (SluiceFixture sluice = SluiceFixture.start(config(cluster, auto()));
             Connection c = connect(sluice); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO fo.t VALUES (5, 1)");
            // Replication here is asynchronous: a kill within milliseconds of the commit can take it with the source
            // (Sluice then reports the lost write to this session; another test covers that). This test is about the
            // write sent while there is no source, so the first one is on the replicas before the kill.
            cluster.awaitReplicasCaughtUp();
            SandboxServer old = cluster.source();
            old.kill9();
            await().atMost(Duration.ofSeconds(10)).until(() -> source(sluice).isEmpty());
            long t0 = System.nanoTime();
            s.executeUpdate("INSERT INTO fo.t VALUES (5, 2)");
            long heldMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("FAILOVER write held for " + heldMs + " ms, then ran on " + source(sluice).orElse("?"));
            SandboxServer newSource = byName(cluster, source(sluice).orElseThrow());
            assertThat(newSource).isNotEqualTo(old);
            assertThat(newSource.queryValue("SELECT COUNT(*) FROM fo.t WHERE w = 5")).isEqualTo("2");
            assertThat(heldMs).isLessThan(FailoverConfig.DEFAULT_WRITE_HOLD.toMillis());
        }
    }

    @Test
    @FreshCluster(semiSync = true)
    void aPlannedSwitchoverLosesNothingAndTheOldSourceReplicatesFromTheNewOne(SandboxCluster cluster)
            throws Exception {
        createTable(cluster);
        try (SluiceFixture sluice = SluiceFixture.start(SluiceFixture.withOperatorPorts(config(cluster, auto())))) {
            SandboxServer old = cluster.source();
            SandboxServer target = cluster.replica(2);
            Set<Integer> acked = ConcurrentHashMap.newKeySet();
            AtomicInteger errors = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                try (Connection c = connect(sluice); Statement s = c.createStatement()) {
                    for (int n = 1; !stop.get(); n++) {
                        try {
                            s.executeUpdate("INSERT INTO fo.t VALUES (8, " + n + ")");
                            acked.add(n);
                        } catch (SQLException e) {
                            errors.incrementAndGet();
                            System.out.println("FAILOVER switchover: write error " + e.getMessage());
                        }
                    }
                } catch (SQLException e) {
                    errors.incrementAndGet();
                }
            }, "writer");
            writer.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> acked.size() >= 50);

            String summary;
            try (Connection a = DriverManager.getConnection(ConnectorJ.url("127.0.0.1", sluice.adminPort(), "",
                    SluiceFixture.ADMIN_USER, SluiceFixture.ADMIN_PASSWORD,
                    "sslMode=DISABLED&connectTimeout=5000&socketTimeout=30000"));
                 Statement s = a.createStatement()) {
                // execute, not executeQuery: Connector/J refuses the latter for statements it does not know return rows.
                assertThat(s.execute("SWITCHOVER TO " + target.name())).isTrue();
                try (java.sql.ResultSet rs = s.getResultSet()) {
                    assertThat(rs.next()).isTrue();
                    summary = rs.getString(1);
                }
            } finally {
                stop.set(true);
            }
            writer.join(30_000);
            int before = acked.size();
            try (Connection c = connect(sluice); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO fo.t VALUES (8, 0)");
            }
            acked.add(0);
            System.out.println("FAILOVER switchover: " + summary + "; acknowledged " + acked.size() + ", write errors "
                    + errors.get());

            assertThat(source(sluice)).contains(target.name());
            await().atMost(Duration.ofSeconds(10)).until(() -> old.isReplicating()
                    && String.valueOf(target.port()).equals(old.replicationStatus().get("Master_Port")));
            assertThat(old.queryValue("SELECT @@GLOBAL.read_only")).isEqualTo("1");
            Set<Integer> present = new HashSet<>();
            for (List<String> row : target.query("SELECT n FROM fo.t WHERE w = 8")) {
                present.add(Integer.parseInt(row.get(0)));
            }
            assertThat(present).containsAll(acked);
            assertThat(errors.get()).as("writes pause, they do not fail").isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> old.gtidPosition().equals(target.gtidPosition()));
            // The old source ran semi-sync: the new one does, and both its replicas acknowledge.
            assertThat(target.queryValue("SELECT @@GLOBAL.rpl_semi_sync_master_enabled")).isEqualTo("1");
            assertThat(old.queryValue("SELECT @@GLOBAL.rpl_semi_sync_slave_enabled")).isEqualTo("1");
            await().atMost(Duration.ofSeconds(10)).until(() -> "2".equals(target.queryValue("SELECT VARIABLE_VALUE"
                    + " FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'Rpl_semi_sync_master_clients'")));
        }
    }

    @Test
    @FreshCluster
    void followModeRoutesWritesToAServerPromotedByHand(SandboxCluster cluster) throws Exception {
        createTable(cluster);
        try (SluiceFixture sluice = SluiceFixture.start(config(cluster, auto().withMode(FailoverConfig.Mode.FOLLOW)))) {
            assertThat(sluice.sluice().failover().failovers()).as("follow: Sluice promotes nothing itself").isZero();
            SandboxServer old = cluster.source();
            SandboxServer promoted = cluster.replica(2);
            old.kill9();
            promoted.execute("STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = 0");
            long t0 = System.nanoTime();
            await().atMost(Duration.ofMillis(2 * MonitorConfig.DEFAULT_INTERVAL.toMillis() + 500))
                    .until(() -> source(sluice).equals(Optional.of(promoted.name())));
            System.out.println("FAILOVER follow: rerouted " + (System.nanoTime() - t0) / 1_000_000
                    + " ms after the manual promotion");
            try (Connection c = connect(sluice); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO fo.t VALUES (4, 1)");
            }
            assertThat(promoted.queryValue("SELECT COUNT(*) FROM fo.t WHERE w = 4")).isEqualTo("1");
        }
    }

    @Test
    @FreshCluster
    void aStallShorterThanTheReplicasTimeoutIsNoFailover(SandboxCluster cluster) throws Exception {
        createTable(cluster);
        try (SluiceFixture sluice = SluiceFixture.start(config(cluster, auto()))) {
            SandboxServer src = cluster.source();
            src.pause();
            try {
                // Long enough for Sluice's own checks to fail (2 s check timeout, then a login that never completes),
                // far below slave_net_timeout, so the replicas keep their connections to it.
                await().pollDelay(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(5))
                        .until(() -> sluice.sluice().failover().failovers() == 0);
            } finally {
                src.resume();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> source(sluice).equals(Optional.of(src.name())));
            try (Connection c = connect(sluice); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO fo.t VALUES (9, 1)");
            }
            assertThat(src.queryValue("SELECT COUNT(*) FROM fo.t WHERE w = 9")).isEqualTo("1");
            assertThat(sluice.sluice().failover().failovers()).isZero();
            assertThat(sluice.sluice().failover().fenced()).isEmpty();
            for (SandboxServer r : cluster.replicas()) {
                assertThat(r.queryValue("SELECT @@GLOBAL.read_only")).isEqualTo("1");
            }
        }
    }

    @Test
    @FreshCluster
    void theOldSourceComingBackIsFencedThenRejoinsAsAReplica(SandboxCluster cluster) throws Exception {
        fencedThenRejoined(cluster, false);
    }

    /**
     * The same under semi-synchronous replication: the old source rejoins as a semi-sync replica, so the new source
     * counts it among the replicas that acknowledge (the other replica, and it).
     */
    @Test
    @FreshCluster(semiSync = true)
    void theOldSourceRejoinsASemiSyncSourceAsASemiSyncReplica(SandboxCluster cluster) throws Exception {
        fencedThenRejoined(cluster, true);
    }

    private void fencedThenRejoined(SandboxCluster cluster, boolean semiSync) throws Exception {
        createTable(cluster);
        try (SluiceFixture sluice = SluiceFixture.start(config(cluster, auto().withRejoin(true)))) {
            SandboxServer old = cluster.source();
            // Stops Sluice's heartbeat writes (they are conditional on read_only = 0): without semi-sync, one committed
            // on the source alone just before the crash would be an errant transaction (as the next test shows).
            old.execute("SET GLOBAL read_only = 1");
            cluster.awaitReplicasCaughtUp();
            old.kill9();
            await().atMost(Duration.ofSeconds(15)).until(() -> source(sluice).filter(s -> !s.equals(old.name()))
                    .isPresent());
            SandboxServer newSource = byName(cluster, source(sluice).orElseThrow());
            try (Connection c = connect(sluice); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO fo.t VALUES (1, 1)");
            }

            old.start();
            // Fenced on the server itself, then made a replica of the new source; it gets what was written since.
            await().atMost(Duration.ofSeconds(20)).until(() -> old.isReplicating()
                    && String.valueOf(newSource.port()).equals(old.replicationStatus().get("Master_Port")));
            assertThat(old.queryValue("SELECT @@GLOBAL.read_only")).isEqualTo("1");
            await().atMost(Duration.ofSeconds(10)).until(() -> "1".equals(old.queryValue("SELECT COUNT(*) FROM fo.t")));
            assertThat(sluice.sluice().failover().errant()).isEmpty();
            await().atMost(Duration.ofSeconds(10)).until(() -> sluice.sluice().failover().fenced().isEmpty());

            // Writes through Sluice still go to the new source only.
            try (Connection c = connect(sluice); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO fo.t VALUES (1, 2)");
            }
            assertThat(newSource.queryValue("SELECT COUNT(*) FROM fo.t")).isEqualTo("2");
            assertThat(source(sluice)).contains(newSource.name());
            if (semiSync) {
                assertThat(old.queryValue("SELECT @@GLOBAL.rpl_semi_sync_slave_enabled")).isEqualTo("1");
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(newSource.queryValue(
                        "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                                + " WHERE VARIABLE_NAME = 'Rpl_semi_sync_master_clients'")).isEqualTo("2"));
            }
        }
    }

    @Test
    @FreshCluster
    void anOldSourceWithErrantTransactionsStaysFencedAndIsReported(SandboxCluster cluster) throws Exception {
        createTable(cluster);
        try (SluiceFixture sluice = SluiceFixture.start(config(cluster, auto().withRejoin(true)))) {
            SandboxServer old = cluster.source();
            // The replicas stop receiving; the source commits one more transaction nobody else gets, then dies.
            for (SandboxServer r : cluster.replicas()) {
                r.execute("STOP SLAVE IO_THREAD");
            }
            old.execute("INSERT INTO fo.t VALUES (7, 7)");
            old.kill9();
            await().atMost(Duration.ofSeconds(15)).until(() -> source(sluice).filter(s -> !s.equals(old.name()))
                    .isPresent());
            SandboxServer newSource = byName(cluster, source(sluice).orElseThrow());

            old.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> sluice.sluice().failover().errant()
                    .containsKey(old.name()));
            System.out.println("FAILOVER errant on " + old.name() + ": " + sluice.sluice().failover().errant());
            assertThat(old.queryValue("SELECT @@GLOBAL.read_only")).isEqualTo("1");
            assertThat(old.replicationStatus()).as("not rejoined").isEmpty();
            assertThat(sluice.sluice().failover().fenced()).contains(old.name());
            try (Connection c = connect(sluice); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO fo.t VALUES (1, 1)");
            }
            assertThat(newSource.queryValue("SELECT COUNT(*) FROM fo.t WHERE w = 1")).isEqualTo("1");
            assertThat(old.queryValue("SELECT COUNT(*) FROM fo.t WHERE w = 1")).isEqualTo("0");
        }
    }

    @Test
    @FreshCluster
    void withoutACandidateNothingIsPromotedAndTheSourceServesAgainWhenBack(SandboxCluster cluster) throws Exception {
        createTable(cluster);
        try (SluiceFixture sluice = SluiceFixture.start(config(cluster, auto(), false))) {
            SandboxServer old = cluster.source();
            old.kill9();
            await().atMost(Duration.ofSeconds(15)).until(() -> source(sluice).isEmpty());
            // Detected (3 checks, replicas agree), no candidate: the attempt ends and unfences the old source.
            await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> !sluice.sluice().failover().inProgress());
            assertThat(sluice.sluice().failover().failovers()).isZero();
            assertThat(sluice.sluice().failover().fenced()).isEmpty();
            for (SandboxServer r : cluster.replicas()) {
                assertThat(r.queryValue("SELECT @@GLOBAL.read_only")).as("candidate: false never promoted")
                        .isEqualTo("1");
            }
            old.start();
            await().atMost(Duration.ofSeconds(15)).until(() -> source(sluice).equals(Optional.of(old.name())));
            try (Connection c = connect(sluice); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO fo.t VALUES (3, 1)");
            }
            assertThat(old.queryValue("SELECT COUNT(*) FROM fo.t WHERE w = 3")).isEqualTo("1");
        }
    }

    @Test
    @FreshCluster
    void modeOffFailsWritesFastWhileTheSourceIsDown(SandboxCluster cluster) throws Exception {
        createTable(cluster);
        try (SluiceFixture sluice = SluiceFixture.start(config(cluster,
                auto().withMode(FailoverConfig.Mode.OFF)))) {
            SandboxServer old = cluster.source();
            try (Connection c = connect(sluice); Statement s = c.createStatement()) {
                old.kill9();
                await().atMost(Duration.ofSeconds(10)).until(() -> source(sluice).isEmpty());
                long t0 = System.nanoTime();
                assertThatThrownBy(() -> s.executeUpdate("INSERT INTO fo.t VALUES (1, 1)"))
                        .isInstanceOf(SQLException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getErrorCode()).isEqualTo(2003))
                        .hasMessageContaining("needs the source");
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
            }
            for (SandboxServer r : cluster.replicas()) {
                assertThat(r.queryValue("SELECT @@GLOBAL.read_only")).as("nothing promoted").isEqualTo("1");
            }
            assertThat(sluice.sluice().failover().failovers()).isZero();
            assertThat(sluice.sluice().failover().fenced()).isEmpty();
        }
    }

    private static Connection admin(SluiceFixture sluice) throws SQLException {
        return DriverManager.getConnection(ConnectorJ.url("127.0.0.1", sluice.adminPort(), "",
                SluiceFixture.ADMIN_USER, SluiceFixture.ADMIN_PASSWORD,
                "sslMode=DISABLED&connectTimeout=5000&socketTimeout=60000"));
    }

    /** One writer through Sluice, inserting (w, 1), (w, 2), ... and keeping the numbers the server acknowledged. */
    private static Thread writer(SluiceFixture sluice, int w, Set<Integer> acked, AtomicBoolean stop) {
        Thread t = new Thread(() -> {
            Connection c = null;
            for (int n = 1; !stop.get(); n++) {
                try {
                    if (c == null) {
                        c = connect(sluice);
                    }
                    try (Statement s = c.createStatement()) {
                        s.executeUpdate("INSERT INTO fo.t VALUES (" + w + ", " + n + ")");
                    }
                    acked.add(n);
                } catch (SQLException e) {
                    // With mode off, writes fail fast while there is no source; the number is not reused.
                    close(c);
                    c = null;
                    LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
                }
            }
            close(c);
        }, "writer-" + w);
        t.start();
        return t;
    }

    private static Set<Integer> numbers(SandboxServer server, int w) {
        Set<Integer> present = new HashSet<>();
        for (List<String> row : server.query("SELECT n FROM fo.t WHERE w = " + w)) {
            present.add(Integer.parseInt(row.get(0)));
        }
        return present;
    }

    /**
     * Mode off, semi-synchronous replication: FAILOVER is refused while the source answers and changes nothing; after a
     * kill -9 it promotes a replica through the admin port, writes resume there, no acknowledged write is lost, the old
     * source stays fenced, and the new source runs semi-sync with the other replica acknowledging.
     */
    @Test
    @FreshCluster(semiSync = true)
    void anOperatorForcesAFailoverWithModeOffAndLosesNoAcknowledgedWrite(SandboxCluster cluster) throws Exception {
        createTable(cluster);
        try (SluiceFixture sluice = SluiceFixture.start(SluiceFixture.withOperatorPorts(
                config(cluster, auto().withMode(FailoverConfig.Mode.OFF))))) {
            SandboxServer old = cluster.source();
            Set<Integer> acked = ConcurrentHashMap.newKeySet();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = writer(sluice, 6, acked, stop);
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> acked.size() >= 50);

                try (Connection a = admin(sluice); Statement s = a.createStatement()) {
                    SQLException alive = catchThrowableOfType(SQLException.class, () -> s.execute("FAILOVER"));
                    assertThat((Throwable) alive).as("FAILOVER of a source that answers").isNotNull();
                    assertThat(alive.getErrorCode()).isEqualTo(1221);
                    assertThat(alive.getSQLState()).isEqualTo("HY000");
                    assertThat(alive.getMessage()).isEqualTo("Incorrect usage of FAILOVER and a reachable source: the"
                            + " source " + old.name() + " answers Sluice; nothing was changed. SWITCHOVER TO <name>"
                            + " moves writes off a live source without losing any");
                }
                assertThat(source(sluice)).contains(old.name());
                assertThat(sluice.sluice().failover().fenced()).isEmpty();
                assertThat(sluice.sluice().failover().failovers()).isZero();
                for (SandboxServer r : cluster.replicas()) {
                    assertThat(r.queryValue("SELECT @@GLOBAL.read_only")).isEqualTo("1");
                    assertThat(r.isReplicating()).isTrue();
                }
                int before = acked.size();
                await().atMost(Duration.ofSeconds(10)).until(() -> acked.size() >= before + 20);

                old.kill9();
                await().atMost(Duration.ofSeconds(10)).until(() -> source(sluice).isEmpty());
                List<String> row = new ArrayList<>();
                long t0 = System.nanoTime();
                try (Connection a = admin(sluice); Statement s = a.createStatement()) {
                    assertThat(s.execute("FAILOVER")).isTrue();
                    try (ResultSet rs = s.getResultSet()) {
                        assertThat(rs.getMetaData().getColumnLabel(2)).isEqualTo("new_source");
                        assertThat(rs.next()).isTrue();
                        for (int i = 1; i <= 5; i++) {
                            row.add(rs.getString(i));
                        }
                    }
                }
                long commandMs = (System.nanoTime() - t0) / 1_000_000;
                int atFailover = acked.size();
                await().atMost(Duration.ofSeconds(20)).until(() -> acked.size() >= atFailover + 50);
                stop.set(true);
                writer.join(30_000);
                System.out.println("FAILOVER forced (mode off): " + row + "; the command took " + commandMs
                        + " ms; acknowledged " + acked.size());

                assertThat(row.get(0)).isEqualTo(old.name());
                SandboxServer newSource = byName(cluster, row.get(1));
                assertThat(newSource).isNotEqualTo(old);
                assertThat(Long.parseLong(row.get(2))).isPositive();
                assertThat(row.get(4)).as("semi-sync carried over").isEqualTo("1");
                assertThat(source(sluice)).contains(newSource.name());
                assertThat(newSource.queryValue("SELECT @@GLOBAL.read_only")).isEqualTo("0");
                assertThat(numbers(newSource, 6)).as("acknowledged inserts on the new source").containsAll(acked);
                assertThat(sluice.sluice().failover().fenced()).containsExactly(old.name());
                assertThat(sluice.sluice().failover().failovers()).isEqualTo(1);

                // The guarantee outlives the failover: the new source runs semi-sync, the other replica acknowledges.
                assertThat(newSource.queryValue("SELECT @@GLOBAL.rpl_semi_sync_master_enabled")).isEqualTo("1");
                SandboxServer other = cluster.replicas().stream().filter(r -> r != newSource).findFirst()
                        .orElseThrow();
                assertThat(row.get(3)).isEqualTo(other.name());
                assertThat(other.queryValue("SELECT @@GLOBAL.rpl_semi_sync_slave_enabled")).isEqualTo("1");
                assertThat(other.replicationStatus().get("Master_Port")).isEqualTo(String.valueOf(newSource.port()));
                await().atMost(Duration.ofSeconds(10)).until(() -> "ON".equals(newSource.queryValue(
                        "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                                + " WHERE VARIABLE_NAME = 'Rpl_semi_sync_master_status'")));
                assertThat(Long.parseLong(newSource.queryValue("SELECT VARIABLE_VALUE FROM"
                        + " information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'Rpl_semi_sync_master_clients'")))
                        .isEqualTo(1);

                // The new source answers: a second FAILOVER is refused like the first.
                try (Connection a = admin(sluice); Statement s = a.createStatement()) {
                    SQLException again = catchThrowableOfType(SQLException.class, () -> s.execute("FAILOVER"));
                    assertThat((Throwable) again).as("FAILOVER of the new source, which answers").isNotNull();
                    assertThat(again.getErrorCode()).isEqualTo(1221);
                    assertThat(again.getMessage()).contains("the source " + newSource.name() + " answers Sluice");
                }
            } finally {
                stop.set(true);
                writer.join(30_000);
            }
        }
    }

    /**
     * Mode auto: the first source dies and is failed over automatically; the new one dies within
     * {@code min_interval}, so the detector holds back ("an operator must act"), and FAILOVER on the admin port
     * promotes the last replica.
     */
    @Test
    @FreshCluster
    void inAutoAFailoverHeldBackByMinIntervalIsForcedByAnOperator(SandboxCluster cluster) throws Exception {
        createTable(cluster);
        try (SluiceFixture sluice = SluiceFixture.start(SluiceFixture.withOperatorPorts(config(cluster, auto())))) {
            SandboxServer first = cluster.source();
            first.kill9();
            await().atMost(Duration.ofSeconds(30)).until(() -> source(sluice).filter(s -> !s.equals(first.name()))
                    .isPresent());
            SandboxServer second = byName(cluster, source(sluice).orElseThrow());
            SandboxServer third = cluster.replicas().stream().filter(r -> r != second).findFirst().orElseThrow();
            await().atMost(Duration.ofSeconds(10)).until(() -> third.isReplicating()
                    && String.valueOf(second.port()).equals(third.replicationStatus().get("Master_Port")));
            try (Connection c = connect(sluice); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO fo.t VALUES (12, 1)");
            }
            String position = second.queryValue("SELECT @@GLOBAL.gtid_binlog_pos");
            assertThat(third.queryValue("SELECT MASTER_GTID_WAIT('" + position + "', 10)")).isEqualTo("0");

            second.kill9();
            await().atMost(Duration.ofSeconds(10)).until(() -> source(sluice).isEmpty());
            // Time for the detector to conclude (3 checks, the replica agrees): it holds back, within min_interval.
            await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> sluice.sluice().failover().failovers() == 1);
            assertThat(source(sluice)).isEmpty();

            try (Connection a = admin(sluice); Statement s = a.createStatement()) {
                assertThat(s.execute("FAILOVER")).isTrue();
                try (ResultSet rs = s.getResultSet()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString("old_source")).isEqualTo(second.name());
                    assertThat(rs.getString("new_source")).isEqualTo(third.name());
                    System.out.println("FAILOVER forced after min_interval held auto back: " + rs.getString("old_source")
                            + " -> " + rs.getString("new_source") + " in " + rs.getString("duration_ms") + " ms");
                }
            }
            try (Connection c = connect(sluice); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO fo.t VALUES (12, 2)");
            }
            assertThat(third.queryValue("SELECT COUNT(*) FROM fo.t WHERE w = 12")).isEqualTo("2");
            assertThat(third.queryValue("SELECT @@GLOBAL.read_only")).isEqualTo("0");
            assertThat(sluice.sluice().failover().fenced()).containsExactlyInAnyOrder(first.name(), second.name());
            assertThat(sluice.sluice().failover().failovers()).isEqualTo(2);
        }
    }

    /**
     * The ways FAILOVER says no, through the admin port, with the source dead (mode off; replica2 is
     * {@code candidate: false}): a target that may not be promoted; a second FAILOVER while one runs (the first is
     * slowed by replica1, stalled with SIGSTOP, which it waits for and leaves out); a failover that finds no candidate
     * it can reach, which promotes nothing and leaves nothing fenced. Once replica1 answers again, FAILOVER promotes it.
     */
    @Test
    @FreshCluster
    void failoverRefusalsNameTheirCauseAndChangeNothing(SandboxCluster cluster) throws Exception {
        createTable(cluster);
        SandboxServer candidate = cluster.replica(1);
        SandboxServer notCandidate = cluster.replica(2);
        try (SluiceFixture sluice = SluiceFixture.start(SluiceFixture.withOperatorPorts(config(cluster,
                auto().withMode(FailoverConfig.Mode.OFF), s -> s != notCandidate)))) {
            SandboxServer old = cluster.source();
            old.kill9();
            await().atMost(Duration.ofSeconds(10)).until(() -> source(sluice).isEmpty());
            try (Connection a = admin(sluice); Statement s = a.createStatement()) {
                SQLException to = catchThrowableOfType(SQLException.class,
                        () -> s.execute("FAILOVER TO " + notCandidate.name()));
                assertThat((Throwable) to).isNotNull();
                assertThat(to.getErrorCode()).isEqualTo(1210);
                assertThat(to.getSQLState()).isEqualTo("HY000");
                assertThat(to.getMessage()).isEqualTo("Incorrect arguments to FAILOVER TO " + notCandidate.name()
                        + ": " + notCandidate.name() + " has candidate: false");
            }

            candidate.pause();
            java.util.concurrent.CompletableFuture<SQLException> first;
            try {
                first = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try (Connection a = admin(sluice); Statement s = a.createStatement()) {
                        s.execute("FAILOVER");
                        return null;
                    } catch (SQLException e) {
                        return e;
                    }
                });
                await().atMost(Duration.ofSeconds(10)).until(() -> sluice.sluice().failover().inProgress());
                try (Connection a = admin(sluice); Statement s = a.createStatement()) {
                    SQLException second = catchThrowableOfType(SQLException.class, () -> s.execute("FAILOVER"));
                    assertThat((Throwable) second).as("FAILOVER while one runs").isNotNull();
                    assertThat(second.getErrorCode()).isEqualTo(1221);
                    assertThat(second.getSQLState()).isEqualTo("HY000");
                    assertThat(second.getMessage()).isEqualTo("Incorrect usage of FAILOVER and a failover in progress:"
                            + " a failover or switchover is running");
                }
                SQLException none = first.get(30, java.util.concurrent.TimeUnit.SECONDS);
                assertThat((Throwable) none).as("FAILOVER with no reachable candidate").isNotNull();
                assertThat(none.getErrorCode()).isEqualTo(1210);
                assertThat(none.getMessage()).startsWith("Incorrect arguments to FAILOVER: nothing was promoted: no"
                        + " reachable replica may be promoted");
            } finally {
                candidate.resume();
            }
            assertThat(sluice.sluice().failover().failovers()).isZero();
            assertThat(sluice.sluice().failover().fenced()).isEmpty();
            assertThat(notCandidate.queryValue("SELECT @@GLOBAL.read_only")).isEqualTo("1");
            assertThat(candidate.queryValue("SELECT @@GLOBAL.read_only")).isEqualTo("1");

            try (Connection a = admin(sluice); Statement s = a.createStatement()) {
                assertThat(s.execute("FAILOVER TO " + candidate.name())).isTrue();
                try (ResultSet rs = s.getResultSet()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString("new_source")).isEqualTo(candidate.name());
                }
            }
            try (Connection c = connect(sluice); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO fo.t VALUES (11, 1)");
            }
            assertThat(candidate.queryValue("SELECT COUNT(*) FROM fo.t WHERE w = 11")).isEqualTo("1");
        }
    }

    /**
     * MHA's case: the only candidate (replica1) stopped receiving while replica2, {@code candidate: false}, received
     * every acknowledged write. After kill -9 of the source replica1 must first get them from replica2, then be
     * promoted; before the catch-up existed, nothing was promoted.
     */
    @Test
    @FreshCluster
    void aCandidateThatLacksTransactionsCatchesUpFromTheMostAdvancedReplicaBeforeItIsPromoted(SandboxCluster cluster)
            throws Exception {
        createTable(cluster);
        SandboxServer candidate = cluster.replica(1);
        SandboxServer ahead = cluster.replica(2);
        try (SluiceFixture sluice = SluiceFixture.start(config(cluster, auto(),
                s -> s != ahead))) {
            SandboxServer old = cluster.source();
            candidate.execute("STOP SLAVE IO_THREAD");
            Set<Integer> acked = new HashSet<>();
            try (Connection c = connect(sluice); Statement s = c.createStatement()) {
                for (int n = 1; n <= 50; n++) {
                    s.executeUpdate("INSERT INTO fo.t VALUES (2, " + n + ")");
                    acked.add(n);
                }
            }
            String position = old.queryValue("SELECT @@GLOBAL.gtid_binlog_pos");
            assertThat(ahead.queryValue("SELECT MASTER_GTID_WAIT('" + position + "', 10)")).isEqualTo("0");
            assertThat(numbers(candidate, 2)).as("the candidate lags").isEmpty();
            old.kill9();

            await().atMost(Duration.ofSeconds(30)).until(() -> source(sluice).equals(Optional.of(candidate.name())));
            assertThat(numbers(candidate, 2)).as("acknowledged inserts on the promoted candidate").containsAll(acked);
            assertThat(candidate.queryValue("SELECT @@GLOBAL.read_only")).isEqualTo("0");
            assertThat(candidate.replicationStatus()).as("promoted: no replication left").isEmpty();
            assertThat(ahead.queryValue("SELECT @@GLOBAL.read_only")).as("candidate: false").isEqualTo("1");
            await().atMost(Duration.ofSeconds(10)).until(() -> ahead.isReplicating()
                    && String.valueOf(candidate.port()).equals(ahead.replicationStatus().get("Master_Port")));
            try (Connection c = connect(sluice); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO fo.t VALUES (2, 0)");
            }
            assertThat(candidate.queryValue("SELECT COUNT(*) FROM fo.t WHERE w = 2")).isEqualTo("51");
            await().atMost(Duration.ofSeconds(10)).until(() -> ahead.gtidPosition().equals(candidate.gtidPosition()));
        }
    }

    /**
     * The active-passive dual-source pair (each server replicates from the other, only the writer is writable): the
     * monitor names the writable one the source and the other a replica, so writes go to the writer; when it is
     * killed, the passive side needs no repointing: it stops replicating from the dead one, is made writable, and
     * writes move there.
     */
    @Test
    @FreshCluster(replicas = 1)
    void killingTheWriterOfADualSourcePairMovesWritesToTheOtherServer(SandboxCluster cluster) throws Exception {
        SandboxServer writer = cluster.source();
        SandboxServer passive = cluster.replica(1);
        writer.startReplicatingFrom(passive);
        cluster.awaitReplicating(writer, Duration.ofSeconds(20));
        createTable(cluster);
        try (SluiceFixture sluice = SluiceFixture.start(config(cluster, auto()))) {
            assertThat(source(sluice)).contains(writer.name());
            assertThat(sluice.sluice().topology().server(passive.name()).map(ServerView::role))
                    .contains(io.sluice.routing.topology.Role.REPLICA);
            try (Connection c = connect(sluice); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO fo.t VALUES (3, 1)");
            }
            assertThat(writer.queryValue("SELECT COUNT(*) FROM fo.t WHERE w = 3")).isEqualTo("1");
            String position = writer.queryValue("SELECT @@GLOBAL.gtid_binlog_pos");
            assertThat(passive.queryValue("SELECT MASTER_GTID_WAIT('" + position + "', 10)")).isEqualTo("0");

            writer.kill9();
            await().atMost(Duration.ofSeconds(30)).until(() -> source(sluice).equals(Optional.of(passive.name())));
            try (Connection c = connect(sluice); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO fo.t VALUES (3, 2)");
            }
            assertThat(passive.queryValue("SELECT COUNT(*) FROM fo.t WHERE w = 3")).isEqualTo("2");
            assertThat(passive.queryValue("SELECT @@GLOBAL.read_only")).isEqualTo("0");
            assertThat(passive.replicationStatus()).as("no longer replicates from the dead writer").isEmpty();
            assertThat(sluice.sluice().failover().fenced()).containsExactly(writer.name());
        }
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // Closing a connection whose server is gone.
            }
        }
    }

    /**
     * Asynchronous replication, replicas that stopped receiving: a write the source acknowledged is lost when it is
     * killed. The session that wrote it must not read on silently: its next read gets the lost-write error, then it
     * reads what survived; another session notices nothing. With {@code lost_write: ignore} (the control) the same
     * read returns data without the row and no error.
     */
    private static void loseAWrite(SandboxCluster cluster, FailoverConfig failover, boolean expectError)
            throws Exception {
        ReadWriteSplitTest.labelServers(cluster);
        cluster.source().execute("CREATE DATABASE lost; CREATE TABLE lost.t (id INT PRIMARY KEY)");
        cluster.awaitReplicasCaughtUp();
        try (SluiceFixture sluice = SluiceFixture.start(config(cluster, failover));
             Connection writer = connect(sluice); Statement w = writer.createStatement();
             Connection other = connect(sluice); Statement o = other.createStatement()) {
            w.executeUpdate("INSERT INTO lost.t VALUES (1)");
            cluster.awaitReplicasCaughtUp();
            for (SandboxServer r : cluster.replicas()) {
                r.execute("STOP SLAVE IO_THREAD");   // they will never receive what comes next
            }
            w.executeUpdate("INSERT INTO lost.t VALUES (2)");   // acknowledged by the source alone
            assertThat(count(o, "SELECT COUNT(*) FROM lost.t")).isBetween(1L, 2L);
            cluster.source().kill9();
            await().atMost(Duration.ofSeconds(30)).until(() -> sluice.sluice().failover().lastPromotion() != null);

            if (expectError) {
                SQLException lost = catchThrowableOfType(SQLException.class,
                        () -> count(w, "SELECT COUNT(*) FROM lost.t"));
                assertThat((Throwable) lost).as("the writer's next read").isNotNull();
                assertThat(lost.getErrorCode()).isEqualTo(9101);
                assertThat(lost.getMessage()).contains("lost this session's acknowledged write(s) 0-1-");
            }
            assertThat(count(w, "SELECT COUNT(*) FROM lost.t")).as("what survived").isEqualTo(1);
            assertThat(count(o, "SELECT COUNT(*) FROM lost.t")).as("another session").isEqualTo(1);
            w.executeUpdate("INSERT INTO lost.t VALUES (3)");   // the session goes on on the new source
            assertThat(count(w, "SELECT COUNT(*) FROM lost.t WHERE id = 3")).isEqualTo(1);
        }
    }

    private static long count(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    @FreshCluster
    void aSessionWhoseAcknowledgedWriteWasLostIsToldOnItsNextRead(SandboxCluster cluster) throws Exception {
        loseAWrite(cluster, auto(), true);
    }

    @Test
    @FreshCluster
    void withLostWriteIgnoreTheSessionReadsOnWithoutIt(SandboxCluster cluster) throws Exception {
        loseAWrite(cluster, auto().withLostWriteError(false), false);
    }

    /**
     * Read-your-writes sessions for the kill -9 run: each inserts its next row and reads its own latest row back at
     * once on the same connection, noting which server answered ({@code sluice_it_id.whoami}). A read that misses the
     * insert just acknowledged is a violation. A failed statement closes the connection and a new session starts (its
     * unacknowledged insert is not counted); the new session's reads are judged by its own inserts only.
     */
    private static final class ReadBack {
        private final List<Thread> threads = new ArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final java.util.Queue<String> violations = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final java.util.Queue<long[]> reads = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final java.util.Map<String, Integer> servedBy = new ConcurrentHashMap<>();
        private final AtomicInteger errors = new AtomicInteger();

        static ReadBack start(SluiceFixture sluice, int sessions) {
            ReadBack r = new ReadBack();
            for (int i = 0; i < sessions; i++) {
                int w = 100 + i;   // the writers use 0..WRITERS-1
                Thread t = new Thread(() -> r.loop(sluice, w), "ryw-" + i);
                t.start();
                r.threads.add(t);
            }
            return r;
        }

        private void loop(SluiceFixture sluice, int w) {
            int n = 0;
            Connection c = null;
            while (!stop.get()) {
                try {
                    if (c == null) {
                        c = connect(sluice);
                    }
                    int mine = ++n;
                    try (Statement s = c.createStatement()) {
                        s.executeUpdate("INSERT INTO fo.t VALUES (" + w + ", " + mine + ")");
                        try (ResultSet rs = s.executeQuery("SELECT (SELECT COUNT(*) FROM fo.t WHERE w = " + w
                                + " AND n = " + mine + "), (SELECT name FROM sluice_it_id.whoami)")) {
                            rs.next();
                            String server = rs.getString(2);
                            reads.add(new long[] {System.nanoTime(), server.startsWith("replica") ? 1 : 0});
                            servedBy.merge(server, 1, Integer::sum);
                            if (rs.getInt(1) != 1) {
                                violations.add("w " + w + " n " + mine + " missing on " + server);
                            }
                        }
                    }
                } catch (SQLException e) {
                    errors.incrementAndGet();
                    close(c);
                    c = null;
                    LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
                }
            }
            close(c);
        }

        long readsAfter(long nanos) {
            return nanos == 0 ? 0 : reads.stream().filter(r -> r[0] - nanos > 0).count();
        }

        long replicaReads() {
            return reads.stream().filter(r -> r[1] == 1).count();
        }

        List<String> violations() {
            return List.copyOf(violations);
        }

        void stop() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(30_000);
            }
        }

        String describe(long killedAt) {
            return reads.size() + " reads (" + readsAfter(killedAt) + " after the kill), served by " + servedBy
                    + ", " + violations.size() + " missed the session's own insert, " + errors.get()
                    + " statements failed";
        }
    }
}
