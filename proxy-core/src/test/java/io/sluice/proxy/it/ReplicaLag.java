package io.sluice.proxy.it;

import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxServer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Deterministic, bounded replica lag: every replica's applier is stalled for {@code stalled}, then let run for
 * {@code running}, over and over, the replicas out of phase with each other, until {@link #close()}.
 *
 * <p>The stall is a {@code LOCK TABLES <table> READ} taken on the replica over a direct connection (not through
 * Sluice): the replication SQL thread blocks on its next write to the table, and since it applies serially, everything
 * after that write waits too, Sluice's heartbeat included. So the monitor sees what a busy replica looks like: IO and
 * SQL threads running, no error, and a heartbeat lag rising to about {@code stalled} plus a heartbeat and a check
 * interval (200 ms each): with 300 ms stalls, p50 about 250 ms and peaks of 600-750 ms, inside the default 1 s budget
 * (on a loaded machine a peak can brush past it for a check; the scenario reports what the monitor saw). Reads keep going to the replica and see data up to {@code stalled} old. Other readers are not blocked: a
 * READ lock is shared.
 *
 * <p>Why not the obvious {@code STOP SLAVE SQL_THREAD}: the monitor reports a stopped SQL thread as not replicating,
 * so the replica drops out of the read rotation at the next check (every 200 ms) and only the reads between the stop
 * and that check see stale data; most stalled time goes to the source instead (36 % of reads in a trial run, against
 * none with the lock). {@code MASTER_DELAY} counts whole seconds on event timestamps, so {@code MASTER_DELAY = 1}
 * delays by 0 to 1 s and the heartbeat lag crosses a 1 s budget once a second, on both replicas at once (54 % of reads
 * went to the source). The lock keeps every stalled read on a replica.
 *
 * <p>{@link #close()} ends the pulses, releases the locks (a closed connection does too) and waits until every replica
 * has caught up with the source, so what follows starts from healthy replicas.
 */
final class ReplicaLag implements AutoCloseable {
    private final SandboxCluster cluster;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stopping;

    private ReplicaLag(SandboxCluster cluster) {
        this.cluster = cluster;
    }

    /** Starts stalling every replica's writes to {@code table} (qualified) in pulses. */
    static ReplicaLag pulse(SandboxCluster cluster, String table, Duration stalled, Duration running) {
        ReplicaLag lag = new ReplicaLag(cluster);
        List<SandboxServer> replicas = cluster.replicas();
        long period = stalled.toNanos() + running.toNanos();
        for (int i = 0; i < replicas.size(); i++) {
            SandboxServer replica = replicas.get(i);
            // Out of phase, so the replicas hold different prefixes and reads alternating between them can go back.
            long offset = period * i / replicas.size();
            Thread t = new Thread(() -> lag.stall(replica, table, offset, stalled, running), "lag-" + replica.name());
            t.setDaemon(true);
            lag.threads.add(t);
            t.start();
        }
        return lag;
    }

    private void stall(SandboxServer replica, String table, long offsetNanos, Duration stalled, Duration running) {
        try (Connection c = DriverManager.getConnection(replica.jdbcUrl(SandboxAccounts.ROOT));
             Statement s = c.createStatement()) {
            // Parking is the fault's shape here, not a wait for a condition: the stall lasts this long by design.
            LockSupport.parkNanos(offsetNanos);
            while (!stopping) {
                s.execute("LOCK TABLES " + table + " READ");
                LockSupport.parkNanos(stalled.toNanos());
                s.execute("UNLOCK TABLES");
                LockSupport.parkNanos(running.toNanos());
            }
        } catch (SQLException | RuntimeException e) {
            failure.compareAndSet(null, e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        for (Thread t : threads) {
            t.join(10_000);
        }
        cluster.awaitReplicasCaughtUp();
        Throwable f = failure.get();
        if (f != null) {
            throw new AssertionError("The lag generator failed, so the scenario did not run with lagging replicas", f);
        }
    }
}
