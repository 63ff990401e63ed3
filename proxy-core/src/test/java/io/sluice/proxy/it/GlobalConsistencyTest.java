package io.sluice.proxy.it;

import io.sluice.protocol.gtid.GtidSet;
import io.sluice.proxy.config.PoolConfig;
import io.sluice.proxy.config.RoutingConfig;
import io.sluice.proxy.gtid.GtidTracking;
import io.sluice.proxy.gtid.Waiter;
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
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code global}: a read sees every transaction the source committed before it began, even one another connection
 * wrote. The router takes the source's set from its binlog stream; when that stream is not current, the session
 * asks the source. Here the source's stream is made to lag behind entirely (its set reads empty) while the replicas
 * are held back by a table lock, so only the question to the source can save the read; the control, the same
 * stale stream claiming to be current, shows the read going wrong without it.
 */
@ExtendWith(ClusterExtension.class)
class GlobalConsistencyTest {

    /** The tracker, but the source's stream has fallen behind: it reports nothing; {@code claimCurrent} or not. */
    private static GtidTracking staleSource(GtidTracking real, String source, boolean claimCurrent) {
        return new GtidTracking() {
            @Override
            public GtidSet executed(String server) {
                return server.equals(source) ? GtidSet.empty() : real.executed(server);
            }

            @Override
            public GtidSet visible(String server) {
                return server.equals(source) ? GtidSet.empty() : real.visible(server);
            }

            @Override
            public void confirmed(String server, GtidSet gtids) {
                real.confirmed(server, gtids);
            }

            @Override
            public boolean current(String server) {
                return server.equals(source) ? claimCurrent : real.current(server);
            }

            @Override
            public Waiter await(Collection<String> servers, GtidSet required, Executor executor,
                                Consumer<String> onReached) {
                return real.await(servers, required, executor, onReached);
            }
        };
    }

    private static Connection direct(SandboxServer s) throws Exception {
        return DriverManager.getConnection("jdbc:mariadb://" + s.host() + ":" + s.port() + "/?user="
                + SandboxAccounts.ROOT.user() + "&password=" + SandboxAccounts.ROOT.password());
    }

    /** Writes row {@code id} on one connection and reads it with a fresh global one: [found, server]. */
    private static String[] writeThenReadGlobally(SandboxCluster cluster, SluiceFixture sluice, int id) throws Exception {
        String url = sluice.mariadbUrl(SandboxAccounts.APP.user(), SandboxAccounts.APP.password());
        List<Connection> locks = new ArrayList<>();
        try (Connection a = DriverManager.getConnection(url); Statement sa = a.createStatement()) {
            sa.execute("SET sluice_consistency = 'eventual'");
            for (SandboxServer r : cluster.replicas()) {
                Connection l = direct(r);
                locks.add(l);
                l.createStatement().execute("LOCK TABLES glob.t READ");   // the replica cannot apply the insert
            }
            sa.executeUpdate("INSERT INTO glob.t VALUES (" + id + ")");
            try (Connection b = DriverManager.getConnection(url); Statement sb = b.createStatement()) {
                sb.execute("SET sluice_consistency = 'global'");
                try (ResultSet rs = sb.executeQuery("SELECT (SELECT COUNT(*) FROM glob.t WHERE id = " + id + "),"
                        + " (SELECT name FROM sluice_it_id.whoami)")) {
                    rs.next();
                    return new String[] {rs.getString(1), rs.getString(2)};
                }
            }
        } finally {
            for (Connection l : locks) {
                l.createStatement().execute("UNLOCK TABLES");
                l.close();
            }
        }
    }

    @Test
    @FreshCluster
    void aGlobalReadAsksTheSourceWhenItsStreamIsNotCurrent(SandboxCluster cluster) throws Exception {
        ReadWriteSplitTest.labelServers(cluster);
        cluster.source().execute("CREATE DATABASE glob; CREATE TABLE glob.t (id INT PRIMARY KEY)");
        cluster.awaitReplicasCaughtUp();
        String source = cluster.source().name();
        var config = SluiceFixture.splittingConfig(cluster, RoutingConfig.defaults(), PoolConfig.defaults());

        try (SluiceFixture sluice = SluiceFixture.start(config, real -> staleSource(real, source, false))) {
            String[] read = writeThenReadGlobally(cluster, sluice, 1);
            assertThat(read[0]).as("the row another connection wrote, read on %s", read[1]).isEqualTo("1");
            assertThat(read[1]).isEqualTo(source);
        }
        cluster.awaitReplicasCaughtUp();

        // The control: the same stale stream, believed current. The read goes to a replica that lacks the row.
        try (SluiceFixture sluice = SluiceFixture.start(config, real -> staleSource(real, source, true))) {
            String[] read = writeThenReadGlobally(cluster, sluice, 2);
            assertThat(read[1]).startsWith("replica");
            assertThat(read[0]).as("without asking the source, the global read misses the row").isEqualTo("0");
        }
    }
}
