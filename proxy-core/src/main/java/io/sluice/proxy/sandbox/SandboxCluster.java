package io.sluice.proxy.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One source and N replicas of real {@code mariadbd} (or MySQL {@code mysqld}) processes on 127.0.0.1, joined by GTID
 * replication: MariaDB with {@code MASTER_USE_GTID=slave_pos} and {@code gtid_strict_mode}, MySQL with
 * {@code gtid_mode=ON} and {@code SOURCE_AUTO_POSITION=1}. Replicas run {@code read_only}; every server has a binlog and
 * {@code log_slave_updates}, so any replica can be promoted.
 *
 * <p>Each server lives in its own directory under one temporary directory, has its own ephemeral port, and never reads
 * {@code /etc/mysql}. The accounts in {@link SandboxAccounts} exist on every server. {@link #close()} stops every process
 * and deletes the directory; a shutdown hook does the same if the JVM exits first (Ctrl-C, a crashed test run). Only
 * {@code SIGKILL} of the JVM itself can leave servers behind.
 *
 * <pre>{@code
 * try (SandboxCluster cluster = SandboxCluster.start(SandboxOptions.defaults().withReplicas(2))) {
 *     cluster.source().execute("CREATE DATABASE t");
 *     cluster.awaitReplicasCaughtUp();
 * }
 * }</pre>
 *
 * @see <a href="https://mariadb.com/kb/en/gtid/">MariaDB GTID</a>
 * @see <a href="https://dev.mysql.com/doc/refman/8.0/en/replication-gtids-auto-positioning.html">MySQL GTID
 *     auto-positioning</a>
 */
public final class SandboxCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SandboxCluster.class);
    private static final Duration DEFAULT_CATCH_UP = Duration.ofSeconds(30);
    private static final Duration GRACEFUL_STOP = Duration.ofSeconds(10);

    private final ServerBinaries binaries;
    private final SandboxOptions options;
    private final Path baseDir;
    private final List<SandboxServer> servers = new ArrayList<>();
    private final Thread shutdownHook;
    private volatile Duration startupTime = Duration.ZERO;
    private boolean closed;

    private SandboxCluster(ServerBinaries binaries, SandboxOptions options, Path baseDir) {
        this.binaries = binaries;
        this.options = options;
        this.baseDir = baseDir;
        this.shutdownHook = new Thread(this::closeFromHook, "sandbox-cluster-shutdown");
    }

    /** Starts the default cluster: one source, two replicas. */
    public static SandboxCluster start() {
        return start(SandboxOptions.defaults());
    }

    /** Starts a cluster and returns once every replica's IO and SQL threads run. */
    public static SandboxCluster start(SandboxOptions options) {
        long started = System.nanoTime();
        ServerBinaries binaries = ServerBinaries.detect();
        DataDirTemplate template = DataDirTemplate.forBinaries(binaries, options);
        Path baseDir;
        try {
            baseDir = options.baseDir() == null
                    ? Files.createTempDirectory("sluice-sandbox-")
                    : Files.createTempDirectory(Files.createDirectories(options.baseDir()), "sluice-sandbox-");
        } catch (IOException e) {
            throw new SandboxException("Could not create the sandbox directory", e);
        }
        SandboxCluster cluster = new SandboxCluster(binaries, options, baseDir);
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try {
            cluster.boot(template);
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        cluster.startupTime = Duration.ofNanos(System.nanoTime() - started);
        log.info("Sandbox cluster up in {} ms: {} {}, source {}, replicas {}", cluster.startupTime.toMillis(),
                binaries.flavour(), cluster.source().serverVersion(), cluster.source().address(),
                cluster.replicas().stream().map(SandboxServer::address).toList());
        return cluster;
    }

    private void boot(DataDirTemplate template) {
        servers.add(new SandboxServer("source", SandboxServer.Role.SOURCE, 1, binaries, options,
                baseDir.resolve("source")));
        for (int i = 1; i <= options.replicas(); i++) {
            servers.add(new SandboxServer("replica" + i, SandboxServer.Role.REPLICA, 1 + i, binaries, options,
                    baseDir.resolve("replica" + i)));
        }
        // Servers start independently (replication is wired afterwards), and most of a start is waiting on InnoDB's
        // I/O, so starting them together roughly divides the cluster's start time by its size.
        ExecutorService starter = Executors.newFixedThreadPool(servers.size(), r -> {
            Thread t = new Thread(r, "sandbox-start");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> starts = new ArrayList<>();
            for (SandboxServer server : servers) {
                starts.add(starter.submit(() -> {
                    template.copyTo(server.dataDir());
                    server.launch();
                }));
            }
            for (Future<?> start : starts) {
                awaitStart(start);
            }
        } finally {
            starter.shutdownNow();
        }
        for (SandboxServer replica : replicas()) {
            replica.startReplicatingFrom(source());
        }
        for (SandboxServer replica : replicas()) {
            awaitReplicating(replica, options.startTimeout());
        }
    }

    private static void awaitStart(Future<?> start) {
        try {
            start.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new SandboxException("Starting a sandbox server failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("Interrupted while starting the sandbox cluster", e);
        }
    }

    public SandboxServer source() {
        return servers.get(0);
    }

    public List<SandboxServer> replicas() {
        return servers.size() <= 1 ? List.of() : List.copyOf(servers.subList(1, servers.size()));
    }

    /** The {@code index}-th replica, counting from 1 as the names do ({@code replica1}, {@code replica2}, ...). */
    public SandboxServer replica(int index) {
        if (index < 1 || index >= servers.size()) {
            throw new IllegalArgumentException("No replica" + index + "; this cluster has " + (servers.size() - 1));
        }
        return servers.get(index);
    }

    /** Source first, then replicas in order. */
    public List<SandboxServer> servers() {
        return List.copyOf(servers);
    }

    public Flavour flavour() {
        return binaries.flavour();
    }

    public ServerBinaries binaries() {
        return binaries;
    }

    public SandboxOptions options() {
        return options;
    }

    /** The temporary directory holding every server's directory; deleted by {@link #close()}. */
    public Path baseDir() {
        return baseDir;
    }

    /** How long {@link #start} took, template creation included if this was the JVM's first cluster. */
    public Duration startupTime() {
        return startupTime;
    }

    /** {@link #awaitReplicasCaughtUp(Duration)} with a 30 s bound. */
    public void awaitReplicasCaughtUp() {
        awaitReplicasCaughtUp(DEFAULT_CATCH_UP);
    }

    /**
     * Waits until every replica has applied everything in the source's binlog at the time of the call.
     *
     * <p>The wait happens in the server ({@code MASTER_GTID_WAIT} on MariaDB, {@code WAIT_FOR_EXECUTED_GTID_SET} on MySQL)
     * rather than by polling {@code @@gtid_current_pos}: it returns the moment the position is reached, and compares GTID
     * positions the way the server does (per domain on MariaDB, as sets on MySQL). The source's position is read from
     * {@code @@gtid_binlog_pos} on MariaDB, which is what replicas can receive; on a source that never was a replica it
     * equals {@code @@gtid_current_pos}.
     *
     * @throws SandboxException naming the replica, with its replication errors, if one is not caught up in time
     */
    public void awaitReplicasCaughtUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String target = flavour() == Flavour.MARIADB
                ? source().queryValue("SELECT @@GLOBAL.gtid_binlog_pos")
                : source().queryValue("SELECT @@GLOBAL.gtid_executed");
        target = target == null ? "" : target.replaceAll("\\s+", "");
        for (SandboxServer replica : replicas()) {
            long remainingMillis = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            String seconds = String.format(java.util.Locale.ROOT, "%.3f", remainingMillis / 1000.0);
            String sql = flavour() == Flavour.MARIADB
                    ? "SELECT MASTER_GTID_WAIT('" + target + "', " + seconds + ")"
                    : "SELECT WAIT_FOR_EXECUTED_GTID_SET('" + target + "', " + seconds + ")";
            String result;
            try {
                result = replica.shell().withTimeout(Duration.ofMillis(remainingMillis + 10_000)).queryValue(sql);
            } catch (SandboxException e) {
                throw new SandboxException(replica.name() + " did not catch up to " + target + ": " + e.getMessage(), e);
            }
            if (!"0".equals(result)) {
                throw new SandboxException(replica.name() + " did not catch up to " + target + " within " + timeout
                        + "; it is at " + replica.gtidPosition() + "; " + describeReplication(replica));
            }
        }
    }

    /** Waits until {@code replica}'s IO and SQL threads both run, e.g. after {@link SandboxServer#start()}. */
    public void awaitReplicating(SandboxServer replica, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String state;
            try {
                Map<String, String> status = replica.replicationStatus();
                if (isRunning(status)) {
                    return;
                }
                state = describeReplication(status);
            } catch (SandboxException e) {
                // Still starting, or briefly unreachable: keep polling until the deadline.
                state = "replication status unavailable: " + e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw new SandboxException(replica.name() + " is not replicating after " + timeout + "; "
                        + state + "; its error log ends with:\n" + replica.errorLogTail(20)
                        + "\nthe source's error log ends with:\n" + source().errorLogTail(10));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    private static boolean isRunning(Map<String, String> status) {
        String io = status.getOrDefault("Slave_IO_Running", status.get("Replica_IO_Running"));
        String sql = status.getOrDefault("Slave_SQL_Running", status.get("Replica_SQL_Running"));
        return "Yes".equals(io) && "Yes".equals(sql);
    }

    private static String describeReplication(SandboxServer replica) {
        try {
            return describeReplication(replica.replicationStatus());
        } catch (SandboxException e) {
            return "replication status unavailable: " + e.getMessage();
        }
    }

    private static String describeReplication(Map<String, String> s) {
        if (s.isEmpty()) {
            return "not configured as a replica";
        }
        StringBuilder sb = new StringBuilder("replication status:");
        for (String key : List.of("Slave_IO_Running", "Replica_IO_Running", "Slave_SQL_Running",
                "Replica_SQL_Running", "Last_IO_Errno", "Last_IO_Error", "Last_SQL_Errno", "Last_SQL_Error",
                "Gtid_IO_Pos", "Retrieved_Gtid_Set", "Executed_Gtid_Set")) {
            if (s.containsKey(key)) {
                sb.append(' ').append(key).append('=').append(s.get(key));
            }
        }
        return sb.toString();
    }

    /**
     * Stops every server (SIGTERM to all at once, SIGKILL for any still running after a short bound) and deletes the
     * sandbox directory. Idempotent.
     */
    @Override
    public void close() {
        if (!shutdown()) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook may be running this very method.
        }
    }

    private void closeFromHook() {
        shutdown();
    }

    private synchronized boolean shutdown() {
        if (closed) {
            return false;
        }
        closed = true;
        long started = System.nanoTime();
        for (SandboxServer server : servers) {
            try {
                server.signalStop();
            } catch (RuntimeException e) {
                log.warn("Could not signal {} to stop: {}", server.name(), e.getMessage());
            }
        }
        for (SandboxServer server : servers) {
            server.awaitStopped(GRACEFUL_STOP);
        }
        FileTrees.deleteTree(baseDir);
        log.info("Sandbox cluster stopped and {} deleted in {} ms", baseDir,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return true;
    }

    @Override
    public String toString() {
        return "SandboxCluster[" + flavour() + ", source " + (servers.isEmpty() ? "-" : source().address())
                + ", replicas " + replicas().stream().map(SandboxServer::address).toList() + "]";
    }
}
