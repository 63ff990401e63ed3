package io.sluice.proxy.sandbox;

/**
 * The accounts present on every server of a sandbox cluster, all {@code mysql_native_password}, all at host
 * {@code 127.0.0.1} (servers run with {@code skip-name-resolve}, so a TCP client from loopback matches that host exactly).
 *
 * <p>They are created once per JVM in the data-directory template, before any server joins replication, so they exist on
 * every node with identical definitions and consume no GTIDs: a fresh cluster's executed GTID set is empty.
 *
 * <p>{@code root@localhost} is reachable only through the server's unix socket ({@code unix_socket} authentication on
 * MariaDB, as the OS user running the JVM; empty password on MySQL); the sandbox itself uses it for administration.
 */
public final class SandboxAccounts {
    /** {@code root@127.0.0.1}: every privilege, with grant option. */
    public static final Account ROOT = new Account("root", "sandbox");

    /** {@code repl}: {@code REPLICATION SLAVE}, used by the replicas to stream the source's binlog. */
    public static final Account REPLICATION = new Account("repl", "replpw");

    /**
     * {@code sluice_monitor}: what the proxy's monitor, GTID tracker and failover need: replication status
     * ({@code REPLICATION CLIENT} / {@code BINLOG MONITOR}, {@code REPLICA MONITOR}), binlog streaming
     * ({@code REPLICATION SLAVE}), reading accounts ({@code SELECT} on {@code mysql.*}), and repointing and fencing servers
     * ({@code SUPER}, {@code READ_ONLY ADMIN}, {@code REPLICATION SLAVE ADMIN}, {@code CONNECTION ADMIN}), and the
     * heartbeat table ({@code SELECT, INSERT, UPDATE, DELETE, CREATE} on {@code sluice.*}).
     */
    public static final Account MONITOR = new Account("sluice_monitor", "monitorpw");

    /**
     * {@code app}: all privileges on {@code *.*} without grant option, less {@code SUPER} and {@code READ_ONLY ADMIN}
     * ({@code CONNECTION_ADMIN} on MySQL), so that {@code read_only} really rejects its writes on a replica, as it
     * would for a real application account.
     */
    public static final Account APP = new Account("app", "apppw");

    private SandboxAccounts() {
    }
}
