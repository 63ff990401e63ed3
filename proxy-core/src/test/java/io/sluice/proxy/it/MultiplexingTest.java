package io.sluice.proxy.it;

import io.sluice.proxy.config.PoolConfig;
import io.sluice.proxy.config.RoutingConfig;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxServer;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static io.sluice.proxy.it.ReadWriteSplitTest.WHO;
import static io.sluice.proxy.it.ReadWriteSplitTest.labelServers;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Client connections share backend connections: 1,000 clients doing autocommit reads, 16 at a time, are served
 * by at most {@code pool.max_per_backend} backend connections per server, counted on the servers themselves.
 */
@ExtendWith(ClusterExtension.class)
class MultiplexingTest {
    private static final int CLIENTS = 1000;
    private static final int MAX_PER_BACKEND = 8;

    @Test
    void aThousandClientsShareAFewBackendConnections(SandboxCluster cluster) throws Exception {
        labelServers(cluster);
        cluster.awaitReplicasCaughtUp();
        try (SluiceFixture sluice = SluiceFixture.splitting(cluster, RoutingConfig.defaults(),
                new PoolConfig(MAX_PER_BACKEND, Duration.ofSeconds(30)))) {
            String url = sluice.mariadbUrl(SandboxAccounts.APP.user(), SandboxAccounts.APP.password());
            List<Connection> clients = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    clients.add(DriverManager.getConnection(url));
                }
                Map<String, Integer> peak = new HashMap<>();
                AtomicInteger reads = new AtomicInteger();
                ExecutorService pool = Executors.newFixedThreadPool(16);
                try {
                    List<Future<?>> work = new ArrayList<>();
                    for (int t = 0; t < 16; t++) {
                        int first = t;
                        work.add(pool.submit(() -> {
                            for (int i = first; i < CLIENTS; i += 16) {
                                try (Statement s = clients.get(i).createStatement();
                                     ResultSet rs = s.executeQuery(WHO)) {
                                    rs.next();
                                    assertThat(rs.getString(1)).startsWith("replica");
                                    reads.incrementAndGet();
                                }
                            }
                            return null;
                        }));
                    }
                    // While the reads run, sample how many connections the app user has on each server.
                    while (!work.stream().allMatch(Future::isDone)) {
                        for (SandboxServer server : cluster.servers()) {
                            peak.merge(server.name(), appConnections(server), Math::max);
                        }
                    }
                    for (Future<?> f : work) {
                        f.get();
                    }
                } finally {
                    pool.shutdownNow();
                }
                for (SandboxServer server : cluster.servers()) {
                    peak.merge(server.name(), appConnections(server), Math::max);
                }
                assertThat(reads.get()).isEqualTo(CLIENTS);
                assertThat(peak.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(MAX_PER_BACKEND));
                assertThat(peak.get(cluster.replica(1).name()) + peak.get(cluster.replica(2).name()))
                        .as("the reads did reach the replicas").isPositive();
            } finally {
                for (Connection c : clients) {
                    c.close();
                }
            }
        }
    }

    private static int appConnections(SandboxServer server) {
        return Integer.parseInt(server.queryValue(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '" + SandboxAccounts.APP.user() + "'"));
    }
}
