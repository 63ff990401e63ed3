package io.sluice.proxy.it;

import io.sluice.proxy.config.SluiceConfig;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxServer;
import io.sluice.proxy.testing.ClusterExtension;
import io.sluice.proxy.testing.FreshCluster;
import io.sluice.routing.topology.ServerView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Accounts loaded from the backends ({@code users_from_backend}) keep being refreshed after a failover: from the
 * promoted source, not from the dead server that was the source when Sluice started. An account created on the new
 * source can log in through Sluice within a few refresh intervals.
 */
@ExtendWith(ClusterExtension.class)
class AccountRefreshFailoverTest {
    @Test
    void accountsComeFromThePromotedSourceAfterAFailover(@FreshCluster SandboxCluster cluster) throws Exception {
        // Accounts from the backends, refreshed every second (FailoverTest's configuration).
        SluiceConfig config = FailoverTest.config(cluster, FailoverTest.auto(), true);
        try (SluiceFixture sluice = SluiceFixture.start(config)) {
            SandboxServer old = cluster.source();
            old.kill9();
            await().atMost(Duration.ofSeconds(30)).until(() -> sluice.sluice().topology().source()
                    .map(ServerView::name).filter(n -> !n.equals(old.name())).isPresent());
            String promoted = sluice.sluice().topology().source().map(ServerView::name).orElseThrow();
            SandboxServer source = cluster.servers().stream().filter(s -> s.name().equals(promoted)).findFirst()
                    .orElseThrow();

            source.execute("CREATE USER 'late'@'%' IDENTIFIED BY 'late-pw'; GRANT SELECT ON *.* TO 'late'@'%'");

            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
                try (Connection c = DriverManager.getConnection(sluice.mariadbUrl("late", "late-pw"));
                     Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT CURRENT_USER()")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).startsWith("late@");
                }
            });
        }
    }
}
