package io.sluice.proxy.gtid;

import io.sluice.protocol.gtid.Gtid;
import io.sluice.protocol.gtid.GtidSet;
import io.sluice.proxy.backend.BackendEndpoint;
import io.sluice.proxy.monitor.MonitorSettings;
import io.sluice.proxy.monitor.MonitoredBackend;
import io.sluice.proxy.sandbox.Account;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxServer;
import io.sluice.proxy.testing.ClusterExtension;
import io.sluice.proxy.testing.FreshCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The tracker against real MariaDB servers: the suite's shared cluster for what leaves it as it was, private clusters
 * for stopped replication threads, stalls and crashes.
 */
@ExtendWith(ClusterExtension.class)
class GtidTrackerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(10);
    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final AtomicInteger SCHEMAS = new AtomicInteger();

    /** Stands in for a session's event loop: one named thread. */
    private final ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-event-loop"));
    private final List<String> fired = new CopyOnWriteArrayList<>();
    private final List<String> firedOn = new CopyOnWriteArrayList<>();
    private GtidTracker tracker;

    @AfterEach
    void stop() throws InterruptedException {
        if (tracker != null) {
            tracker.close();
        }
        loop.shutdownNow();
        loop.awaitTermination(5, TimeUnit.SECONDS);
    }

    private static MonitorSettings settings(Account account) {
        return new MonitorSettings(account.user(), account.password(), INTERVAL,
                MonitorSettings.DEFAULT_HEARTBEAT_INTERVAL, MonitorSettings.DEFAULT_CHECK_TIMEOUT,
                MonitorSettings.DEFAULT_CONNECT_TIMEOUT, Duration.ofSeconds(1));
    }

    private GtidTracker track(SandboxCluster cluster, Account account) {
        List<MonitoredBackend> backends = cluster.servers().stream()
                .map(s -> new MonitoredBackend(new BackendEndpoint(s.name(), s.host(), s.port()), 1)).toList();
        tracker = GtidTracker.start(backends, settings(account));
        return tracker;
    }

    /** Starts a tracker with the monitor account and waits until it streams every server. */
    private GtidTracker streaming(SandboxCluster cluster) {
        GtidTracker t = track(cluster, SandboxAccounts.MONITOR);
        await().atMost(WAIT).pollInterval(POLL).untilAsserted(() -> {
            for (SandboxServer s : cluster.servers()) {
                assertThat(t.mode(s.name())).as(s.name()).isEqualTo(GtidTracker.Mode.STREAM);
            }
        });
        return t;
    }

    private static GtidSet binlogPos(SandboxServer s) {
        return GtidSet.parseMariaDb(s.queryValue("SELECT @@GLOBAL.gtid_binlog_pos"));
    }

    private static String newSchema() {
        return "gtid_t" + SCHEMAS.incrementAndGet();
    }

    /** Waits until the tracker's set for {@code s} contains {@code required}, then checks it equals the server's. */
    private void awaitTracked(SandboxServer s, GtidSet required) {
        await().atMost(WAIT).pollInterval(POLL).untilAsserted(
                () -> assertThat(tracker.executed(s.name()).contains(required)).as(s.name() + " has " + required
                        + ", tracked " + tracker.executed(s.name())).isTrue());
        assertThat(tracker.executed(s.name())).as(s.name()).isEqualTo(binlogPos(s));
    }

    private void record(String server) {
        fired.add(server);
        firedOn.add(Thread.currentThread().getName());
    }

    @Test
    void seedsEachServerFromItsOwnBinlogPositionAndHeartbeatsKeepAnIdleStreamOpen(SandboxCluster cluster) {
        SandboxServer source = cluster.source();
        source.execute("CREATE DATABASE " + newSchema());
        cluster.awaitReplicasCaughtUp();

        GtidTracker t = streaming(cluster);
        for (SandboxServer s : cluster.servers()) {
            assertThat(t.known(s.name())).isTrue();
            assertThat(t.executed(s.name())).as(s.name()).isEqualTo(binlogPos(s)).isNotEqualTo(GtidSet.empty());
            assertThat(t.flavour(s.name())).contains(GtidSet.Flavour.MARIADB);
        }
        assertThat(t.known("nobody")).isFalse();
        assertThat(t.executed("nobody")).isEqualTo(GtidSet.empty());
        assertThat(t.mode("nobody")).isEqualTo(GtidTracker.Mode.DOWN);

        // Nothing is written for longer than the stream's read timeout (max(3 x 200 ms, 200 ms + 2 s)): only the
        // heartbeats the server sends every interval keep the stream from timing out and reconnecting.
        await().during(Duration.ofMillis(3_000)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    for (SandboxServer s : cluster.servers()) {
                        GtidTracker.Stats stats = t.stats(s.name()).orElseThrow();
                        assertThat(stats.mode()).isEqualTo(GtidTracker.Mode.STREAM);
                        assertThat(stats.reconnects()).isZero();
                        assertThat(System.nanoTime() - stats.lastEventNanos())
                                .as("time since " + s.name() + " was last heard from")
                                .isLessThan(TimeUnit.SECONDS.toNanos(1));
                    }
                });
    }

    @Test
    void anInsertShowsUpOnTheSourceAndThenOnEachReplica(SandboxCluster cluster) {
        streaming(cluster);
        SandboxServer source = cluster.source();
        String db = newSchema();
        source.execute("CREATE DATABASE " + db + "; CREATE TABLE " + db + ".t (id INT PRIMARY KEY) ENGINE=InnoDB");
        // The two DDLs must be counted before the count is taken, or one of them may land after it.
        awaitTracked(source, binlogPos(source));
        long before = tracker.stats(source.name()).orElseThrow().transactionsApplied();
        source.execute("INSERT INTO " + db + ".t VALUES (1), (2)");
        GtidSet afterInsert = binlogPos(source);

        awaitTracked(source, afterInsert);
        assertThat(tracker.stats(source.name()).orElseThrow().transactionsApplied()).isEqualTo(before + 1);
        for (SandboxServer replica : cluster.replicas()) {
            awaitTracked(replica, afterInsert);
        }
    }

    /**
     * A DDL has no XID: it is counted at its own Query event. Nothing is written after it, so a tracker that waited
     * for the next GTID event would never count it.
     */
    @Test
    void aCreateTableIsCountedOnEveryServerWithNothingAfterIt(SandboxCluster cluster) {
        SandboxServer source = cluster.source();
        String db = newSchema();
        source.execute("CREATE DATABASE " + db);
        streaming(cluster);

        source.execute("CREATE TABLE " + db + ".ddl (id INT PRIMARY KEY)");
        GtidSet afterDdl = binlogPos(source);
        for (SandboxServer s : cluster.servers()) {
            awaitTracked(s, afterDdl);
        }
    }

    @Test
    void aWaiterAlreadySatisfiedFiresAtOnceOnItsExecutor(SandboxCluster cluster) {
        streaming(cluster);
        SandboxServer replica = cluster.replica(1);
        Waiter w = tracker.await(List.of("nobody", replica.name()), tracker.executed(replica.name()), loop,
                this::record);
        await().atMost(WAIT).pollInterval(POLL).until(() -> fired.size() == 1);
        assertThat(fired).containsExactly(replica.name());
        assertThat(firedOn).containsExactly("test-event-loop");
        assertThat(w.cancel()).isFalse();
    }

    /**
     * Lag from the streams: 0 for a caught-up replica however long since the last write, growing while its applier is
     * stopped and the source moves on, 0 again once it catches up.
     */
    @Test
    void lagFromTheStreamsIsZeroWhenCaughtUpAndGrowsWhileTheApplierIsStopped(
            @FreshCluster(replicas = 1) SandboxCluster cluster) {
        streaming(cluster);
        SandboxServer source = cluster.source();
        SandboxServer replica = cluster.replica(1);
        source.execute("CREATE DATABASE " + newSchema());
        awaitTracked(replica, binlogPos(source));
        await().atMost(WAIT).pollInterval(POLL)
                .until(() -> tracker.lagMillis(replica.name(), source.name()) == 0);
        assertThat(tracker.lagMillis(source.name(), source.name())).as("a server is not behind itself: not told")
                .isEqualTo(-1);

        replica.execute("STOP SLAVE SQL_THREAD");
        try {
            String db = newSchema();
            source.execute("CREATE DATABASE " + db);
            awaitTracked(source, binlogPos(source));
            long first = tracker.lagMillis(replica.name(), source.name());
            assertThat(first).as("behind the moment the source published it").isGreaterThanOrEqualTo(0);
            await().atMost(WAIT).pollInterval(POLL)
                    .until(() -> tracker.lagMillis(replica.name(), source.name()) >= first + 300);
        } finally {
            replica.execute("START SLAVE SQL_THREAD");
        }
        awaitTracked(replica, binlogPos(source));
        await().atMost(WAIT).pollInterval(POLL)
                .until(() -> tracker.lagMillis(replica.name(), source.name()) == 0);
    }

    /**
     * Only the server's own commit wait makes a set visible: the stream alone does not, a confirmation is kept and
     * grows by union, and one the server's binlog does not contain (a server rebuilt under the same name) is dropped.
     */
    @Test
    void onlyConfirmedSetsAreVisible(SandboxCluster cluster) {
        streaming(cluster);
        SandboxServer replica = cluster.replica(1);
        GtidSet now = binlogPos(replica);
        awaitTracked(replica, now);
        assertThat(tracker.visible(replica.name()).isEmpty()).as("the stream alone confirms nothing").isTrue();

        tracker.confirmed(replica.name(), now);
        assertThat(tracker.visible(replica.name())).isEqualTo(now);
        tracker.confirmed(replica.name(), GtidSet.empty());
        assertThat(tracker.visible(replica.name())).isEqualTo(now);
        tracker.confirmed("nobody", now);
        assertThat(tracker.visible("nobody").isEmpty()).isTrue();

        GtidSet beyond = GtidSet.parse("77-99-1");   // a domain no server has
        tracker.confirmed(replica.name(), beyond);
        assertThat(tracker.visible(replica.name()).isEmpty()).as("not in its binlog: dropped").isTrue();
        tracker.confirmed(replica.name(), now);
        assertThat(tracker.visible(replica.name())).isEqualTo(now);
    }

    @Test
    void aCancelledWaiterDoesNotFire(SandboxCluster cluster) {
        streaming(cluster);
        SandboxServer source = cluster.source();
        long seq = 1_000_000;
        Waiter w = tracker.await(List.of(source.name()), GtidSet.of(new Gtid.MariaDb(0, 1, seq)), loop, this::record);
        assertThat(tracker.pendingWaiters(source.name())).isOne();
        assertThat(w.cancel()).isTrue();
        assertThat(w.cancel()).isFalse();
        assertThat(tracker.pendingWaiters(source.name())).isZero();
        source.execute("CREATE DATABASE " + newSchema());
        awaitTracked(source, binlogPos(source));
        assertThat(fired).isEmpty();
    }

    @Test
    void aWaiterFiresWhenAStoppedReplicaCatchesUpAndNotBefore(@FreshCluster SandboxCluster cluster) {
        streaming(cluster);
        SandboxServer source = cluster.source();
        SandboxServer stopped = cluster.replica(1);
        SandboxServer healthy = cluster.replica(2);
        String db = newSchema();
        source.execute("CREATE DATABASE " + db + "; CREATE TABLE " + db + ".t (id INT PRIMARY KEY)");
        cluster.awaitReplicasCaughtUp();

        stopped.execute("STOP SLAVE SQL_THREAD");
        source.execute("INSERT INTO " + db + ".t VALUES (1)");
        GtidSet required = binlogPos(source);
        Waiter onStopped = tracker.await(List.of(stopped.name()), required, loop, this::record);
        Waiter cancelled = tracker.await(List.of(stopped.name()), required, loop, s -> fired.add("cancelled " + s));
        // The write reaches the source's and the healthy replica's sets, so the tracker is following...
        awaitTracked(source, required);
        awaitTracked(healthy, required);
        // ...and a waiter naming both replicas fires on the healthy one.
        List<String> either = new CopyOnWriteArrayList<>();
        tracker.await(List.of(stopped.name(), healthy.name()), required, loop, either::add);
        await().atMost(WAIT).pollInterval(POLL).until(() -> either.size() == 1);
        assertThat(either).containsExactly(healthy.name());
        // The stopped replica has received the transaction (IO thread) but not applied it: no firing.
        await().during(Duration.ofMillis(1_000)).atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> {
                    assertThat(fired).isEmpty();
                    assertThat(tracker.executed(stopped.name()).contains(required)).isFalse();
                });
        assertThat(stopped.queryValue("SELECT @@GLOBAL.gtid_binlog_pos")).isEqualTo(
                tracker.executed(stopped.name()).toString());
        assertThat(cancelled.cancel()).isTrue();

        stopped.execute("START SLAVE SQL_THREAD");
        await().atMost(WAIT).pollInterval(POLL).until(() -> !fired.isEmpty());
        assertThat(fired).containsExactly(stopped.name());
        assertThat(firedOn).containsExactly("test-event-loop");
        assertThat(onStopped.cancel()).isFalse();
        awaitTracked(stopped, required);
        // Neither a second firing nor the cancelled waiter's shows up.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
                .until(() -> fired.equals(List.of(stopped.name())));
    }

    @Test
    void reconnectsAndReseedsWhenItsBinlogConnectionIsKilled(SandboxCluster cluster) {
        streaming(cluster);
        SandboxServer source = cluster.source();
        long id = tracker.streamConnectionId(source.name());
        List<Map<String, String>> dumps = source.queryByName("SHOW PROCESSLIST").stream()
                .filter(r -> String.valueOf(id).equals(r.get("Id"))).toList();
        assertThat(dumps).singleElement().satisfies(r -> {
            assertThat(r.get("Command")).isEqualTo("Binlog Dump");
            assertThat(r.get("User")).isEqualTo(SandboxAccounts.MONITOR.user());
        });

        // Lock the account first (on the source only: sql_log_bin=0), so the tracker cannot reconnect at once and a
        // write certainly falls between the two connections: only the re-seed can bring it in.
        String monitor = "'" + SandboxAccounts.MONITOR.user() + "'@'127.0.0.1'";
        String db = newSchema();
        GtidSet whileAway;
        source.execute("SET SESSION sql_log_bin = 0; ALTER USER " + monitor + " ACCOUNT LOCK");
        try {
            source.execute("KILL " + id);
            await().atMost(WAIT).pollInterval(POLL).until(() -> tracker.mode(source.name()) == GtidTracker.Mode.DOWN);
            source.execute("CREATE DATABASE " + db);
            whileAway = binlogPos(source);
            assertThat(tracker.executed(source.name()).contains(whileAway)).isFalse();
        } finally {
            source.execute("SET SESSION sql_log_bin = 0; ALTER USER " + monitor + " ACCOUNT UNLOCK");
        }
        awaitTracked(source, whileAway);
        await().atMost(WAIT).pollInterval(POLL).untilAsserted(() -> {
            GtidTracker.Stats stats = tracker.stats(source.name()).orElseThrow();
            assertThat(stats.reconnects()).isEqualTo(1);
            assertThat(stats.mode()).isEqualTo(GtidTracker.Mode.STREAM);
        });
        assertThat(tracker.streamConnectionId(source.name())).isNotEqualTo(id);
        // And it streams again.
        source.execute("CREATE TABLE " + db + ".t (id INT)");
        awaitTracked(source, binlogPos(source));
    }

    @Test
    void pollsWhereTheAccountMayNotStreamTheBinlog(SandboxCluster cluster) {
        // Created on the source, so it replicates to every server. BINLOG MONITOR allows SHOW MASTER STATUS; without
        // REPLICATION SLAVE the server refuses the binlog dump itself.
        Account poller = new Account("gtid_poller", "pollerpw");
        cluster.source().execute("CREATE USER IF NOT EXISTS 'gtid_poller'@'127.0.0.1' IDENTIFIED BY 'pollerpw'; "
                + "GRANT SELECT, BINLOG MONITOR ON *.* TO 'gtid_poller'@'127.0.0.1'");
        cluster.awaitReplicasCaughtUp();

        track(cluster, poller);
        await().atMost(WAIT).pollInterval(POLL).untilAsserted(() -> {
            for (SandboxServer s : cluster.servers()) {
                assertThat(tracker.mode(s.name())).as(s.name()).isEqualTo(GtidTracker.Mode.POLLING);
                assertThat(tracker.executed(s.name())).as(s.name()).isEqualTo(binlogPos(s));
            }
        });

        SandboxServer source = cluster.source();
        source.execute("CREATE DATABASE " + newSchema());
        GtidSet afterWrite = binlogPos(source);
        Waiter w = tracker.await(List.of(cluster.replica(2).name()), afterWrite, loop, this::record);
        for (SandboxServer s : cluster.servers()) {
            awaitTracked(s, afterWrite);
            assertThat(tracker.mode(s.name())).isEqualTo(GtidTracker.Mode.POLLING);
            assertThat(tracker.stats(s.name()).orElseThrow().transactionsApplied()).isZero();
        }
        await().atMost(WAIT).pollInterval(POLL).until(() -> fired.size() == 1);
        assertThat(fired).containsExactly(cluster.replica(2).name());
        assertThat(w.cancel()).isFalse();
    }

    @Test
    void aStalledOrCrashedServerIsDownThenReseededWhenBack(@FreshCluster(replicas = 1) SandboxCluster cluster) {
        streaming(cluster);
        SandboxServer source = cluster.source();
        SandboxServer replica = cluster.replica(1);
        String db = newSchema();

        // SIGSTOP: the socket stays open but nothing comes, not even heartbeats; the read timeout ends the stream.
        replica.pause();
        try {
            await().atMost(WAIT).pollInterval(POLL).until(() -> tracker.mode(replica.name()) == GtidTracker.Mode.DOWN);
            source.execute("CREATE DATABASE " + db);
        } finally {
            replica.resume();
        }
        GtidSet afterStall = binlogPos(source);
        awaitTracked(replica, afterStall);
        // The re-seed publishes the set before the stream is open again: the mode follows a moment later.
        await().atMost(WAIT).pollInterval(POLL).until(() -> tracker.mode(replica.name()) == GtidTracker.Mode.STREAM);

        replica.kill9();
        await().atMost(WAIT).pollInterval(POLL).until(() -> tracker.mode(replica.name()) == GtidTracker.Mode.DOWN);
        assertThat(tracker.known(replica.name())).isTrue();
        assertThat(tracker.executed(replica.name()).contains(afterStall)).isTrue();
        source.execute("CREATE TABLE " + db + ".t (id INT)");
        GtidSet afterCrash = binlogPos(source);
        replica.start();
        awaitTracked(replica, afterCrash);
        await().atMost(WAIT).pollInterval(POLL).until(() -> tracker.mode(replica.name()) == GtidTracker.Mode.STREAM);
        assertThat(tracker.stats(replica.name()).orElseThrow().reconnects()).isGreaterThanOrEqualTo(2);
        // The source was never disturbed.
        assertThat(tracker.stats(source.name()).orElseThrow().reconnects()).isZero();
    }

    @Test
    void closeStopsEveryThreadPromptly(SandboxCluster cluster) {
        streaming(cluster);
        Waiter pending = tracker.await(List.of(cluster.source().name()),
                GtidSet.of(new Gtid.MariaDb(0, 1, 1_000_000)), loop, this::record);

        long started = System.nanoTime();
        tracker.close();
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(tookMillis).isLessThan(500);
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(
                t -> t.isAlive() && (t.getName().startsWith("sluice-gtid-") || t.getName().startsWith("blc-")));
        for (SandboxServer s : cluster.servers()) {
            assertThat(tracker.mode(s.name())).isEqualTo(GtidTracker.Mode.DOWN);
            assertThat(tracker.known(s.name())).isTrue(); // the last set stays readable
        }
        tracker.close(); // idempotent
        assertThat(pending.cancel()).isTrue();
        assertThat(fired).isEmpty();
    }
}
