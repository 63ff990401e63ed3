package io.sluice.proxy;

import io.sluice.proxy.config.BackendConfig;
import io.sluice.proxy.config.HostPort;
import io.sluice.proxy.config.MonitorConfig;
import io.sluice.proxy.config.AdminConfig;
import io.sluice.proxy.config.FailoverConfig;
import io.sluice.proxy.config.MetricsConfig;
import io.sluice.proxy.config.SluiceConfig;
import io.sluice.proxy.config.TlsConfig;
import io.sluice.proxy.config.UserConfig;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxException;
import io.sluice.proxy.sandbox.SandboxOptions;
import io.sluice.proxy.sandbox.SandboxServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code sluice demo}: a local sandbox (one source, two replicas, GTID replication) from the MariaDB or MySQL
 * binaries on PATH, with Sluice in front; prints how to connect. Ctrl-C stops everything and deletes the sandbox.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start a local sandbox cluster and Sluice in front of it.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--port", description = "client port for Sluice (default: ${DEFAULT-VALUE})", defaultValue = "6033")
    int port;

    @Option(names = "--replicas", description = "number of replicas (default: ${DEFAULT-VALUE})", defaultValue = "2")
    int replicas;

    @Option(names = "--admin-port", description = "admin interface port (default: ${DEFAULT-VALUE})", defaultValue = "6032")
    int adminPort;

    @Option(names = "--metrics-port", description = "metrics and health port (default: ${DEFAULT-VALUE})",
            defaultValue = "9104")
    int metricsPort;

    /** The demo's admin account: a throwaway sandbox on loopback. */
    static final String DEMO_ADMIN = "admin";
    static final String DEMO_ADMIN_PASSWORD = "admin";

    @Override
    public Integer call() {
        SandboxCluster cluster;
        try {
            System.out.println("Starting a sandbox cluster (1 source, " + replicas + " replicas, semi-sync)...");
            cluster = SandboxCluster.start(SandboxOptions.defaults().withReplicas(replicas).withSemiSync(true));
        } catch (SandboxException e) {
            System.err.println("sluice demo: " + e.getMessage());
            return 1;
        }
        List<BackendConfig> backends = new ArrayList<>();
        for (SandboxServer s : cluster.servers()) {
            backends.add(new BackendConfig(s.name(), new HostPort(s.host(), s.port()), 1));
        }
        MonitorConfig monitor = new MonitorConfig(SandboxAccounts.MONITOR.user(), SandboxAccounts.MONITOR.password(),
                MonitorConfig.DEFAULT_INTERVAL);
        SluiceConfig config = new SluiceConfig(new HostPort("127.0.0.1", port), SluiceConfig.DEFAULT_MAX_CONNECTIONS,
                SluiceConfig.DEFAULT_HANDSHAKE_TIMEOUT,
                List.of(new UserConfig(SandboxAccounts.APP.user(), SandboxAccounts.APP.password())), true,
                Duration.ofSeconds(2), backends, Optional.of(monitor), TlsConfig.defaults())
                .withAdmin(new AdminConfig(new HostPort("127.0.0.1", adminPort), DEMO_ADMIN, DEMO_ADMIN_PASSWORD))
                .withMetrics(new MetricsConfig(true, new HostPort("127.0.0.1", metricsPort)))
                // Repointed replicas log in to the new source with the sandbox's replication account.
                .withFailover(FailoverConfig.defaults().withReplicationAccount(SandboxAccounts.REPLICATION.user(),
                        SandboxAccounts.REPLICATION.password()));
        Sluice sluice;
        try {
            sluice = Sluice.start(config, Main.inspector());
        } catch (Sluice.StartupException e) {
            System.err.println("sluice demo: cannot start Sluice: " + e.getMessage());
            cluster.close();
            return 1;
        }
        int p = sluice.clientAddress().getPort();
        String user = SandboxAccounts.APP.user();
        String pw = SandboxAccounts.APP.password();
        System.out.println();
        System.out.println("Sluice is running in front of " + cluster.flavour() + " " + cluster.source().serverVersion());
        for (SandboxServer s : cluster.servers()) {
            System.out.println("  " + s.name() + "  " + s.address() + "  pid " + s.pid());
        }
        System.out.println();
        System.out.println("  JDBC:   jdbc:mariadb://127.0.0.1:" + p + "/?user=" + user + "&password=" + pw);
        System.out.println("  mysql:  mariadb -h127.0.0.1 -P" + p + " -u" + user + " -p" + pw);
        System.out.println("  admin:  mariadb -h127.0.0.1 -P" + sluice.adminAddress().getPort() + " -u" + DEMO_ADMIN
                + " -p" + DEMO_ADMIN_PASSWORD + "   (SHOW BACKENDS; SHOW SESSIONS; SHOW ROUTING STATS;)");
        System.out.println("  metrics: http://127.0.0.1:" + sluice.metricsAddress().getPort() + "/metrics   health: http://127.0.0.1:"
                + sluice.metricsAddress().getPort() + "/health");
        System.out.println("  source data dir: " + cluster.source().dataDir());
        System.out.println();
        System.out.println("Try it:");
        System.out.println("  reads go to replicas, writes to the source: run a few, then SHOW ROUTING STATS in the admin interface");
        System.out.println("  read-your-writes is on (routing.consistency: session); compare with  SET sluice_consistency = 'eventual';");
        System.out.println("  a token for another connection:  SELECT sluice_last_gtid();  then there  SET sluice_read_after = '<token>';");
        System.out.println("  make a replica lag:  kill -STOP " + cluster.replicas().get(0).pid()
                + "  (kill -CONT to resume), and watch SHOW BACKENDS in the admin interface");
        System.out.println("  fail over:  kill -9 " + cluster.source().pid() + "  (the source): within about 2 s a"
                + " replica is promoted and writes go on (SHOW BACKENDS shows the new source)");
        System.out.println("  or a planned switchover, no write lost:  SWITCHOVER TO " + cluster.replicas().get(0).name()
                + "  in the admin interface");
        System.out.println("Ctrl-C stops Sluice and the sandbox, and deletes it.");
        CountDownLatch stopped = new CountDownLatch(1);
        // Ctrl-C or SIGTERM: stop Sluice, stop the servers and delete the sandbox, then exit 0 (a JVM ending on a
        // signal reports 128 + its number; halt sets the status from inside the hook, as the main command does).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sluice.close();
            cluster.close();
            System.out.println("Sluice and the sandbox stopped; " + cluster.baseDir() + " deleted.");
            System.out.flush();
            stopped.countDown();
            Runtime.getRuntime().halt(0);
        }, "sluice-demo-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
