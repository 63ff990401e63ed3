package io.sluice.proxy.it;

import io.sluice.proxy.config.PoolConfig;
import io.sluice.proxy.config.RoutingConfig;
import io.sluice.proxy.config.ShutdownConfig;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxServer;
import io.sluice.proxy.session.FrontendSession;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The graceful stop, as SIGTERM runs it: through the in-process {@code Sluice.drainAndClose} (a statement in flight
 * finishes, an idle client's next command gets ERR 1053, the port refuses new connections, {@code /health} says
 * draining), and once through a real Sluice process (its command line, {@link SluiceProcess}) and a real SIGHUP and
 * SIGTERM: it reloads, then drains and exits 0.
 */
@ExtendWith(ClusterExtension.class)
class ShutdownTest {

    private static SluiceFixture start(SandboxCluster cluster, Duration drainTimeout) {
        return SluiceFixture.start(SluiceFixture.withOperatorPorts(
                SluiceFixture.splittingConfig(cluster, RoutingConfig.defaults(), PoolConfig.defaults()))
                .withShutdown(new ShutdownConfig(drainTimeout)));
    }

    private static boolean anyStatementInFlight(SluiceFixture f) {
        return f.sluice().registry().all().stream().anyMatch(s -> s.phase() == FrontendSession.Phase.IN_FLIGHT);
    }

    @Test
    void aStatementInFlightFinishesWhileNewCommandsAndConnectionsAreRefused(SandboxCluster cluster) throws Exception {
        SluiceFixture f = start(cluster, Duration.ofSeconds(10));
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (Connection busy = ReadWriteSplitTest.connect(f); Connection idle = ReadWriteSplitTest.connect(f)) {
            Future<Long> sleeping = threads.submit(() -> {
                try (Statement s = busy.createStatement(); ResultSet rs = s.executeQuery("SELECT SLEEP(2)")) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> anyStatementInFlight(f));
            int port = f.port();
            int metricsPort = f.metricsPort();
            long start = System.nanoTime();
            Future<Boolean> drain = threads.submit(() -> f.sluice().drainAndClose());
            await().atMost(Duration.ofSeconds(5)).until(() -> f.sluice().draining());

            Scrape.Response health = Scrape.get(metricsPort, "/health");
            assertThat(health.status()).isEqualTo(503);
            assertThat(health.body()).isEqualTo("draining: shutting down\n");

            SQLException refused = catchThrowableOfType(SQLException.class, () -> {
                try (Statement s = idle.createStatement()) {
                    s.executeQuery("SELECT 1").close();
                }
            });
            assertThat(refused.getErrorCode()).isEqualTo(1053);
            assertThat(refused.getSQLState()).isEqualTo("08S01");
            assertThat(refused.getMessage()).contains("Server shutdown in progress");
            assertThat(idle.isValid(2)).as("closed after the ERR").isFalse();

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class));

            assertThat(sleeping.get(10, TimeUnit.SECONDS)).as("SLEEP(2) ran to its end").isZero();
            assertThat(drain.get(10, TimeUnit.SECONDS)).as("drained in time").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        } finally {
            threads.shutdownNow();
            f.close();
        }
    }

    @Test
    void aStatementLongerThanTheDrainTimeoutIsCutShort(SandboxCluster cluster) throws Exception {
        SluiceFixture f = start(cluster, Duration.ofMillis(500));
        try (Connection busy = ReadWriteSplitTest.connect(f)) {
            CompletableFuture<Object> sleeping = CompletableFuture.supplyAsync(() -> {
                try (Statement s = busy.createStatement(); ResultSet rs = s.executeQuery("SELECT SLEEP(30)")) {
                    rs.next();
                    return rs.getLong(1);
                } catch (SQLException e) {
                    return e;
                }
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> anyStatementInFlight(f));
            long start = System.nanoTime();
            assertThat(f.sluice().drainAndClose()).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
            assertThat(sleeping.get(10, TimeUnit.SECONDS)).isInstanceOf(SQLException.class);
        } finally {
            f.close();
        }
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void sighupReloadsAndSigtermDrainsAndTheProcessExitsZero(SandboxCluster cluster) throws Exception {
        Path dir = Files.createTempDirectory("sluice-sigterm");
        StringBuilder backends = new StringBuilder();
        for (SandboxServer s : cluster.servers()) {
            backends.append("  - name: ").append(s.name()).append("\n    address: ").append(s.address()).append('\n');
        }
        // The file format wants real ports; ask the OS for two free ones.
        Path config = Files.writeString(dir.resolve("sluice.yaml"), """
                listen: 127.0.0.1:%d
                users_refresh_interval: 1s
                backends:
                %s
                monitor:
                  user: %s
                  password: "%s"
                  interval: 200ms
                metrics:
                  listen: 127.0.0.1:%d
                shutdown:
                  drain_timeout: 5s
                """.formatted(freePort(), backends.toString().stripTrailing(), SandboxAccounts.MONITOR.user(),
                SandboxAccounts.MONITOR.password(), freePort()));
        try (SluiceProcess p = SluiceProcess.start("--config", config.toString())) {
            int port = Integer.parseInt(p.awaitGroup(Pattern.compile("listening for MySQL clients on \\S*:(\\d+) "),
                    Duration.ofSeconds(60)));
            try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/?user="
                    + SandboxAccounts.APP.user() + "&password=" + SandboxAccounts.APP.password());
                 Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 42")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(42);
            }
            // SIGHUP reloads the file: a routing change is applied, and the process goes on serving.
            Files.writeString(config, Files.readString(config) + "routing:\n  consistency: eventual\n");
            p.signal("HUP");
            p.awaitLine("configuration reloaded", Duration.ofSeconds(20));
            assertThat(p.output()).anySatisfy(l -> assertThat(l).contains("configuration reloaded").contains("routing"));
            p.signal("TERM");
            assertThat(p.awaitExit(Duration.ofSeconds(20))).as("exit status after SIGTERM; output: %s", p).isZero();
            assertThat(p.output()).anySatisfy(l -> assertThat(l).contains("draining: not accepting clients"))
                    .anySatisfy(l -> assertThat(l).contains("drain over"));
        } finally {
            Files.deleteIfExists(config);
            Files.deleteIfExists(dir);
        }
    }
}
