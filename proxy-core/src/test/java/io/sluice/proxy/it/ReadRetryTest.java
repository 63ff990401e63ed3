package io.sluice.proxy.it;

import io.sluice.proxy.admin.BackendOverrides;
import io.sluice.proxy.config.RoutingConfig;
import io.sluice.proxy.config.SluiceConfig;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxServer;
import io.sluice.proxy.testing.ClusterExtension;
import io.sluice.proxy.testing.FreshCluster;
import io.sluice.routing.topology.ServerView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What a client sees when the server running its statement dies ({@code kill -9}): an autocommit read that had sent
 * nothing back yet is run again on another server and succeeds; a write, a read inside a transaction, and a read
 * whose rows had begun to reach the client end with the lost-connection error (2013), never run twice.
 */
@ExtendWith(ClusterExtension.class)
class ReadRetryTest {
    /** Long enough to kill the server while the read sleeps there; the retry sleeps as long again. */
    private static final String SLOW_READ = "SELECT SLEEP(3) AS slept, @@server_id AS id";

    @Test
    @FreshCluster(replicas = 1)
    void aReplicaKilledMidReadTheReadSucceedsOnAnotherServer(SandboxCluster cluster) throws Exception {
        SandboxServer replica = cluster.replica(1);
        try (SluiceFixture sluice = SluiceFixture.splitting(cluster, RoutingConfig.defaults());
             Connection c = connect(sluice); Statement s = c.createStatement()) {
            CompletableFuture<Long> read = sleepingOn(s, replica);
            replica.kill9();

            // The replica was the only one: the read falls back to the source (routing.fallback: source).
            assertThat(read.get(30, TimeUnit.SECONDS)).as("server id of the answer")
                    .isEqualTo(cluster.source().serverId());
            awaitRetries(sluice, true, 1);
            assertThat(sluice.sluice().metrics().readRetries(false)).isZero();
            // The session goes on.
            assertThat(serverId(s, "SELECT @@server_id")).isEqualTo(cluster.source().serverId());
        }
    }

    /**
     * An operator's {@code KILL} of the connection running a read: MariaDB closes it without an error packet, as a
     * crash would, but the server is up. Running the read again on another server would undo the kill; the client
     * gets the lost-connection error instead, as it would connected to the server directly. Before Sluice asked
     * whether the server was up, the read ran again on the source and answered.
     */
    @Test
    @FreshCluster(replicas = 1)
    void aReadWhoseConnectionAnOperatorKillsIsNotRunAgain(SandboxCluster cluster) throws Exception {
        SandboxServer replica = cluster.replica(1);
        try (SluiceFixture sluice = SluiceFixture.splitting(cluster, RoutingConfig.defaults());
             Connection c = connect(sluice); Statement s = c.createStatement()) {
            CompletableFuture<Long> read = sleepingOn(s, replica);
            String thread = replica.queryValue(
                    "SELECT ID FROM information_schema.PROCESSLIST WHERE STATE = 'User sleep'");
            replica.execute("KILL CONNECTION " + thread);

            assertLost(read, replica.name());
            assertThatThrownBy(() -> read.get()).cause()
                    .hasMessageContaining("the server is up, so it ended the connection itself");
            assertThat(sluice.sluice().metrics().readRetries(true)).isZero();
            assertThat(sluice.sluice().metrics().readRetries(false)).isZero();
            assertThat(cluster.source().queryValue("SELECT COUNT(*) FROM information_schema.PROCESSLIST"
                    + " WHERE INFO = '" + SLOW_READ + "'")).as("the read running on the source").isEqualTo("0");
            // The replica was not at fault: a new session reads there.
            try (Connection again = connect(sluice); Statement s2 = again.createStatement()) {
                awaitReadsOn(s2, replica);
            }
        }
    }

    @Test
    @FreshCluster(replicas = 1)
    void aPreparedReadIsPreparedAgainOnTheServerItRetriesOn(SandboxCluster cluster) throws Exception {
        SandboxServer replica = cluster.replica(1);
        try (SluiceFixture sluice = SluiceFixture.splitting(cluster, RoutingConfig.defaults());
             Connection c = DriverManager.getConnection(sluice.mariadbUrl(SandboxAccounts.APP.user(),
                     SandboxAccounts.APP.password()) + "&useServerPrepStmts=true&socketTimeout=40000");
             Statement s = c.createStatement();
             PreparedStatement ps = c.prepareStatement("SELECT SLEEP(?) AS slept, @@server_id AS id")) {
            awaitReadsOn(s, replica);
            ps.setInt(1, 0);
            assertThat(serverId(ps)).as("executed on the replica").isEqualTo(replica.serverId());

            ps.setInt(1, 3);
            CompletableFuture<Long> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return serverId(ps);
                } catch (SQLException e) {
                    throw new CompletionException(e);
                }
            });
            awaitSleeping(replica);
            replica.kill9();

            assertThat(read.get(30, TimeUnit.SECONDS)).as("server id of the answer")
                    .isEqualTo(cluster.source().serverId());
            awaitRetries(sluice, true, 1);
            ps.setInt(1, 0);
            assertThat(serverId(ps)).as("the statement still executes").isEqualTo(cluster.source().serverId());
        }
    }

    @Test
    @FreshCluster(replicas = 1)
    void theSourceKilledMidReadTheReadSucceedsOnAReplica(SandboxCluster cluster) throws Exception {
        SandboxServer replica = cluster.replica(1);
        try (SluiceFixture sluice = SluiceFixture.splitting(cluster, RoutingConfig.defaults());
             Connection c = connect(sluice); Statement s = c.createStatement()) {
            awaitReadsOn(s, replica);
            // The replica taken out for a while: reads fall back to the source.
            sluice.sluice().overrides().set(replica.name(), BackendOverrides.Mode.SOFT);
            assertThat(serverId(s, "SELECT @@server_id")).isEqualTo(cluster.source().serverId());

            CompletableFuture<Long> read = slowRead(s, SLOW_READ);
            awaitSleeping(cluster.source());
            sluice.sluice().overrides().clear(replica.name());
            cluster.source().kill9();

            // The session wrote nothing: any replica within the lag budget is consistent for it.
            assertThat(read.get(30, TimeUnit.SECONDS)).as("server id of the answer").isEqualTo(replica.serverId());
            awaitRetries(sluice, true, 1);
        }
    }

    @Test
    @FreshCluster(replicas = 1)
    void aReadThatMustRunOnTheSourceIsNotMovedToAReplicaWhenTheSourceDies(SandboxCluster cluster) throws Exception {
        SandboxServer replica = cluster.replica(1);
        try (SluiceFixture sluice = SluiceFixture.splitting(cluster, RoutingConfig.defaults());
             Connection c = connect(sluice); Statement s = c.createStatement()) {
            awaitReadsOn(s, replica);

            CompletableFuture<Long> read = slowRead(s, "/* sluice:source */ " + SLOW_READ);
            awaitSleeping(cluster.source());
            cluster.source().kill9();

            assertLost(read, cluster.source().name());
            awaitRetries(sluice, false, 1);
            assertThat(sluice.sluice().metrics().readRetries(true)).isZero();
        }
    }

    @Test
    @FreshCluster(replicas = 1)
    void aReadThatMustSeeTheSessionsWriteIsNotMovedToAReplicaThatLacksIt(SandboxCluster cluster) throws Exception {
        SandboxServer replica = cluster.replica(1);
        cluster.source().execute("CREATE DATABASE rr; CREATE TABLE rr.t (marker VARCHAR(20) NOT NULL, slept INT)"
                + " ENGINE=InnoDB");
        cluster.awaitReplicasCaughtUp();
        // A budget no stall reaches: the replica stays eligible by lag, and only consistency keeps the read off it.
        RoutingConfig routing = new RoutingConfig(Duration.ofHours(1), RoutingConfig.Fallback.SOURCE);
        try (SluiceFixture sluice = SluiceFixture.splitting(cluster, routing);
             Connection c = connect(sluice); Statement s = c.createStatement();
             Connection direct = DriverManager.getConnection(replica.jdbcUrl(SandboxAccounts.ROOT));
             Statement stall = direct.createStatement()) {
            awaitReadsOn(s, replica);
            // The replica's applier blocks on its next write to rr.t, and everything after it waits.
            stall.execute("LOCK TABLES rr.t READ");
            s.executeUpdate("INSERT INTO rr.t VALUES ('mine', 0)");

            CompletableFuture<Long> read = slowRead(s,
                    "SELECT SLEEP(3), (SELECT COUNT(*) FROM rr.t WHERE marker = 'mine') AS mine, @@server_id AS id");
            awaitSleeping(cluster.source());   // consistency session: the replica lacks the write, the source has it
            cluster.source().kill9();

            assertLost(read, cluster.source().name());
            awaitRetries(sluice, false, 1);
            assertThat(sluice.sluice().metrics().readRetries(true)).isZero();
        }
    }

    @Test
    @FreshCluster(replicas = 1)
    void aWriteInFlightWhenTheSourceDiesFailsAndIsNeverReplayedOnTheNewSource(SandboxCluster cluster)
            throws Exception {
        cluster.source().execute("CREATE DATABASE rr; CREATE TABLE rr.t (marker VARCHAR(20) NOT NULL, slept INT)"
                + " ENGINE=InnoDB");
        cluster.awaitReplicasCaughtUp();
        // With failover on, a statement that needs the source waits for the promoted one: a write that Sluice
        // replayed would run there.
        try (SluiceFixture sluice = SluiceFixture.start(withFailover(cluster));
             Connection c = connect(sluice); Statement s = c.createStatement()) {
            SandboxServer old = cluster.source();
            CompletableFuture<Long> write = CompletableFuture.supplyAsync(() -> {
                try {
                    return (long) s.executeUpdate("INSERT INTO rr.t VALUES ('in-flight', SLEEP(3))");
                } catch (SQLException e) {
                    throw new CompletionException(e);
                }
            });
            awaitSleeping(old);
            old.kill9();

            assertLost(write, old.name());
            SandboxServer promoted = await().atMost(Duration.ofSeconds(30)).until(
                    () -> sluice.sluice().topology().source().map(ServerView::name)
                            .filter(name -> !name.equals(old.name()))
                            .flatMap(name -> cluster.servers().stream().filter(v -> v.name().equals(name)).findFirst()),
                    Optional::isPresent).orElseThrow();
            assertThat(promoted).isNotEqualTo(old);
            assertThat(promoted.queryValue("SELECT COUNT(*) FROM rr.t WHERE marker = 'in-flight'"))
                    .as("the write, at most once and here not at all: it died before committing")
                    .isEqualTo("0");
            old.start();
            assertThat(old.queryValue("SELECT COUNT(*) FROM rr.t WHERE marker = 'in-flight'"))
                    .as("the old source after crash recovery").isEqualTo("0");
        }
    }

    @Test
    @FreshCluster(replicas = 1)
    void aReadInsideATransactionFailsWhenItsServerDies(SandboxCluster cluster) throws Exception {
        SandboxServer replica = cluster.replica(1);
        try (SluiceFixture sluice = SluiceFixture.splitting(cluster, RoutingConfig.defaults());
             Connection c = connect(sluice); Statement s = c.createStatement()) {
            awaitReadsOn(s, replica);
            s.execute("START TRANSACTION READ ONLY");
            assertThat(serverId(s, "SELECT @@server_id")).as("a READ ONLY transaction on the replica")
                    .isEqualTo(replica.serverId());

            CompletableFuture<Long> read = slowRead(s, SLOW_READ);
            awaitSleeping(replica);
            replica.kill9();

            assertLost(read, replica.name());
            assertThat(sluice.sluice().metrics().readRetries(true) + sluice.sluice().metrics().readRetries(false))
                    .as("never sent again").isZero();
        }
    }

    @Test
    @FreshCluster(replicas = 1)
    void aReadWhoseRowsHadStartedToArriveFailsWithoutDuplicateRows(SandboxCluster cluster) throws Exception {
        SandboxServer replica = cluster.replica(1);
        cluster.source().execute("CREATE DATABASE rr");   // a schema for the sequence engine's tables
        cluster.awaitReplicasCaughtUp();
        try (SluiceFixture sluice = SluiceFixture.splitting(cluster, RoutingConfig.defaults());
             Connection c = connect(sluice); Statement s = c.createStatement()) {
            awaitReadsOn(s, replica);
            s.setFetchSize(10);   // streamed: the driver reads rows as they are asked for
            List<Long> seen = new ArrayList<>();
            SQLException failure = null;
            try (ResultSet rs = s.executeQuery("SELECT seq, REPEAT('r', 1000), @@server_id FROM rr.seq_1_to_1000000")) {
                for (int i = 0; i < 10 && rs.next(); i++) {
                    seen.add(rs.getLong(1));
                }
                assertThat(rs.getLong(3)).as("streamed from the replica").isEqualTo(replica.serverId());
                // Back-pressure holds the rest of the million rows on the replica, which dies mid-answer.
                replica.kill9();
                while (rs.next()) {
                    seen.add(rs.getLong(1));
                }
            } catch (SQLException e) {
                failure = e;
            }
            assertThat((Throwable) failure).as("the read ends with an error, not with a complete result").isNotNull();
            assertThat(failure.getErrorCode()).as(failure.getMessage()).isEqualTo(2013);
            for (int i = 0; i < seen.size(); i++) {
                assertThat(seen.get(i)).as("row %d: each row once, in order", i).isEqualTo(i + 1L);
            }
            assertThat(sluice.sluice().metrics().readRetries(true) + sluice.sluice().metrics().readRetries(false))
                    .as("never sent again").isZero();
        }
    }

    // ------------------------------------------------------------------ helpers

    /** The counter moves on Sluice's event loop just after the answer is flushed to the client. */
    private static void awaitRetries(SluiceFixture sluice, boolean succeeded, long count) {
        await().atMost(Duration.ofSeconds(5)).until(() -> sluice.sluice().metrics().readRetries(succeeded) == count);
    }

    private static Connection connect(SluiceFixture sluice) throws SQLException {
        return DriverManager.getConnection(sluice.mariadbUrl(SandboxAccounts.APP.user(), SandboxAccounts.APP.password())
                + "&connectTimeout=5000&socketTimeout=40000");
    }

    private static long serverId(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getLong(rs.getMetaData().getColumnCount());
        }
    }

    private static long serverId(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            return rs.getLong(2);
        }
    }

    /** Until the monitor has seen the replica within the lag budget, reads go to the source. */
    private static void awaitReadsOn(Statement s, SandboxServer replica) {
        await().atMost(Duration.ofSeconds(20)).until(() -> serverId(s, "SELECT @@server_id") == replica.serverId());
    }

    /** Once reads reach {@code replica}, starts {@link #SLOW_READ} and returns when it sleeps there. */
    private static CompletableFuture<Long> sleepingOn(Statement s, SandboxServer replica) {
        awaitReadsOn(s, replica);
        CompletableFuture<Long> read = slowRead(s, SLOW_READ);
        awaitSleeping(replica);
        return read;
    }

    /** Runs a read on another thread; completes with its last column (a server id). */
    private static CompletableFuture<Long> slowRead(Statement s, String sql) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return serverId(s, sql);
            } catch (SQLException e) {
                throw new CompletionException(e);
            }
        });
    }

    /** Until a statement sleeps on {@code server}: it is in flight there. */
    private static void awaitSleeping(SandboxServer server) {
        await().atMost(Duration.ofSeconds(10)).until(() -> !"0".equals(server.queryValue(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE = 'User sleep'")));
    }

    /** The statement failed with the lost-connection error naming the server, and the session is closed. */
    private static void assertLost(CompletableFuture<?> statement, String server) {
        assertThatThrownBy(() -> statement.get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(SQLException.class)
                .satisfies(e -> {
                    assertThat(((SQLException) e).getErrorCode()).as(e.getMessage()).isEqualTo(2013);
                    assertThat(e.getMessage()).contains(server);
                });
    }

    private static SluiceConfig withFailover(SandboxCluster cluster) {
        return FailoverTest.config(cluster, FailoverTest.auto(), true);
    }
}
