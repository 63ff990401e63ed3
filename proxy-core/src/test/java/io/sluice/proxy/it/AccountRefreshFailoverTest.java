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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Accounts loaded from the backends ({@code users_from_backend}) keep being refreshed after a failover: from the
 * promoted source, not from the dead server that was the source when Sluice started. An account created on the new
 * source can log in through Sluice within a few refresh intervals.
 */
@ExtendWith(ClusterExtension.class)
class AccountRefreshFailoverTest {
    private static final Duration REFRESH = Duration.ofMillis(500);

    @Test
    void accountsComeFromThePromotedSourceAfterAFailover(@FreshCluster SandboxCluster cluster) throws Exception {
        List<BackendConfig> backends = new ArrayList<>();
        for (SandboxServer s : cluster.servers()) {
            backends.add(new BackendConfig(s.name(), new HostPort(s.host(), s.port()), 1));
        }
        SluiceConfig config = new SluiceConfig(new HostPort("127.0.0.1", 0), SluiceConfig.DEFAULT_MAX_CONNECTIONS,
                SluiceConfig.DEFAULT_HANDSHAKE_TIMEOUT, SluiceConfig.DEFAULT_MAX_ALLOWED_PACKET,
                List.of(new UserConfig(SluiceFixture.STATIC_USER, SluiceFixture.STATIC_PASSWORD)), true, REFRESH,
                backends, Optional.of(new MonitorConfig(SandboxAccounts.MONITOR.user(),
                SandboxAccounts.MONITOR.password(), MonitorConfig.DEFAULT_INTERVAL)), TlsConfig.defaults(),
                RoutingConfig.defaults(), PoolConfig.defaults())
                .withFailover(FailoverConfig.defaults().withReplicationAccount(SandboxAccounts.REPLICATION.user(),
                        SandboxAccounts.REPLICATION.password()));
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
