package io.sluice.proxy.it;

import io.sluice.protocol.gtid.GtidSet;
import io.sluice.proxy.gtid.GtidTracking;
import io.sluice.proxy.gtid.Waiter;
import io.sluice.proxy.config.PoolConfig;
import io.sluice.proxy.config.RoutingConfig;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxServer;
import io.sluice.proxy.testing.ClusterExtension;
import io.sluice.proxy.testing.FreshCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The commit fence: a consistent read on a replica whose commit of the GTIDs it needs was never confirmed by the
 * replica itself is preceded by {@code MASTER_GTID_WAIT} in the same write; when that wait does not confirm, the
 * read's answer is dropped and the read runs again on the source. To make both outcomes deterministic, no
 * confirmation is ever remembered (every such replica read is fenced), and replica1 is given a transaction in a domain of its own, written on it directly:
 * its binlog stream shows it (so the router may choose replica1 for a session that needs it), but replication never
 * applied it, so MASTER_GTID_WAIT, which follows what replication committed, cannot confirm it.
 */
@ExtendWith(ClusterExtension.class)
class CommitFenceTest {

    /** The tracker as it is, except that it forgets every confirmation: every consistent replica read is fenced. */
    private static GtidTracking unsettled(GtidTracking real) {
        return new GtidTracking() {
            @Override
            public GtidSet executed(String server) {
                return real.executed(server);
            }

            @Override
            public GtidSet visible(String server) {
                return GtidSet.empty();
            }

            @Override
            public Waiter await(Collection<String> servers, GtidSet required, Executor executor,
                                Consumer<String> onReached) {
                return real.await(servers, required, executor, onReached);
            }
        };
    }

    private static String who(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    @FreshCluster
    void fencedReadsAreServedByTheReplicaWhenConfirmedAndByTheSourceWhenNot(SandboxCluster cluster) throws Exception {
        for (SandboxServer s : cluster.servers()) {
            s.execute("SET SESSION sql_log_bin = 0; CREATE DATABASE IF NOT EXISTS fence;"
                    + " CREATE TABLE IF NOT EXISTS fence.whoami (name VARCHAR(32)); DELETE FROM fence.whoami;"
                    + " INSERT INTO fence.whoami VALUES ('" + s.name() + "')");
        }
        SandboxServer replica1 = cluster.replicas().get(0);
        replica1.execute("SET SESSION gtid_domain_id = 9; CREATE TABLE fence.local_only (a INT)");
        String local = replica1.queryValue("SELECT @@GLOBAL.gtid_binlog_pos");
        String domain9 = java.util.Arrays.stream(local.split(",")).filter(p -> p.startsWith("9-")).findFirst()
                .orElseThrow();

        try (SluiceFixture sluice = SluiceFixture.start(
                SluiceFixture.withOperatorPorts(SluiceFixture.splittingConfig(cluster, RoutingConfig.defaults(),
                        PoolConfig.defaults())), CommitFenceTest::unsettled);
             Connection c = DriverManager.getConnection(sluice.mariadbUrl(SandboxAccounts.APP.user(),
                     SandboxAccounts.APP.password()));
             Statement s = c.createStatement()) {
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    sluice.sluice().tracker().executed(replica1.name()).contains(GtidSet.parse(domain9)));

            // A write replicated normally: the fence on whichever replica serves the read confirms it.
            s.executeUpdate("INSERT INTO fence.whoami VALUES ('written through sluice')");
            String reader = who(s, "SELECT name FROM fence.whoami WHERE name <> 'written through sluice' LIMIT 1");
            assertThat(reader).startsWith("replica");
            assertThat(sluice.sluice().metrics().fences(true)).isPositive();

            // A token only replica1's binlog has: routed to replica1, whose fence cannot confirm it.
            s.execute("SET sluice_read_after = '" + domain9 + "'");
            long retriedBefore = sluice.sluice().metrics().fences(false);
            assertThat(who(s, "SELECT name FROM fence.whoami WHERE name <> 'written through sluice' LIMIT 1"))
                    .as("the read ran again on the source").isEqualTo(cluster.source().name());
            assertThat(sluice.sluice().metrics().fences(false)).isEqualTo(retriedBefore + 1);
            // The session goes on normally.
            assertThat(who(s, "SELECT 'still here'")).isEqualTo("still here");
        }

        // The same with a server-side prepared statement: the retry starts from the client's own bytes (its
        // statement id), not from the copy rewritten for the replica's connection.
        try (SluiceFixture sluice = SluiceFixture.start(
                SluiceFixture.splittingConfig(cluster, RoutingConfig.defaults(), PoolConfig.defaults()),
                CommitFenceTest::unsettled);
             Connection c = DriverManager.getConnection(sluice.mariadbUrl(SandboxAccounts.APP.user(),
                     SandboxAccounts.APP.password()) + "&useServerPrepStmts=true");
             Statement s = c.createStatement();
             java.sql.PreparedStatement read = c.prepareStatement(
                     "SELECT name FROM fence.whoami WHERE name <> ? LIMIT 1")) {
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    sluice.sluice().tracker().executed(replica1.name()).contains(GtidSet.parse(domain9)));
            s.execute("SET sluice_read_after = '" + domain9 + "'");
            for (int i = 0; i < 3; i++) {
                read.setString(1, "written through sluice");
                try (ResultSet rs = read.executeQuery()) {
                    rs.next();
                    assertThat(rs.getString(1)).as("prepared read %d ran again on the source", i)
                            .isEqualTo(cluster.source().name());
                }
            }
            assertThat(sluice.sluice().metrics().fences(false)).isGreaterThanOrEqualTo(1);
        }
    }
}
