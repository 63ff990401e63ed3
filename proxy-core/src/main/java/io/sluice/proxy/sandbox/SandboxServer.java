package io.sluice.proxy.sandbox;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code mariadbd} or {@code mysqld} process of a sandbox: its own directory (data, socket, error log, tmp) and its own
 * ephemeral port on 127.0.0.1, kept across {@link #stop()}/{@link #kill9()} and {@link #start()} so that clients and
 * replicas can reconnect to the same address.
 *
 * <p>Faults are deterministic: {@link #kill9()} is a crash, {@link #pause()} a stall ({@code SIGSTOP}: the port still
 * accepts TCP connections but nothing answers), {@link #stop()} a clean shutdown.
 *
 * <p>Thread-safety: lifecycle methods are {@code synchronized}; {@link #query}/{@link #execute} may be called from any
 * thread (each runs its own client process).
 */
public final class SandboxServer {
    /** What a server is for; decides its role-specific options. */
    enum Role {
        /** The once-per-JVM server that prepares the data-directory template: no TCP, no binlog. */
        TEMPLATE,
        SOURCE,
        REPLICA
    }

    public static final String HOST = "127.0.0.1";

    private static final Duration SQL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_BOUND = Duration.ofSeconds(20);
    private static final int PORT_ATTEMPTS = 5;

    private static final Logger log = LoggerFactory.getLogger(SandboxServer.class);

    private final String name;
    private final Role role;
    private final int serverId;
    private final ServerBinaries binaries;
    private final SandboxOptions options;
    private final Path dir;
    private final Path dataDir;
    private final Path socket;
    private final Path errorLog;
    private final SqlShell shell;

    private volatile int port;
    private volatile Process process;
    private volatile boolean paused;

    SandboxServer(String name, Role role, int serverId, ServerBinaries binaries, SandboxOptions options, Path dir) {
        this.name = name;
        this.role = role;
        this.serverId = serverId;
        this.binaries = binaries;
        this.options = options;
        this.dir = dir;
        this.dataDir = dir.resolve("data");
        this.socket = dir.resolve("mysqld.sock");
        this.errorLog = dir.resolve("error.log");
        // sun_path is 108 bytes on Linux; a longer path fails later with an obscure bind error.
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > 100) {
            throw new SandboxException("Unix socket path " + socket + " is too long (limit about 100 bytes); "
                    + "use SandboxOptions.withBaseDir with a shorter directory");
        }
        this.shell = new SqlShell(binaries.client(), socket, dir.resolve("tmp"), SQL_TIMEOUT);
    }

    public String name() {
        return name;
    }

    public String host() {
        return HOST;
    }

    /** The TCP port; fixed once the server has first started. */
    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:port}. */
    public String address() {
        return HOST + ":" + port;
    }

    public int serverId() {
        return serverId;
    }

    public Flavour flavour() {
        return binaries.flavour();
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path socket() {
        return socket;
    }

    public Path errorLog() {
        return errorLog;
    }

    /** The OS process id of the current (or last) server process. */
    public long pid() {
        Process p = process;
        if (p == null) {
            throw new IllegalStateException(name + " has never been started");
        }
        return p.pid();
    }

    public boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** Rows of {@code sql}, run as {@code root} over the unix socket ({@code null} for SQL NULL). */
    public List<List<String>> query(String sql) {
        return shell.query(sql);
    }

    /** The single value of a one-row, one-column query. */
    public String queryValue(String sql) {
        return shell.queryValue(sql);
    }

    /** Rows keyed by column name, e.g. for {@code SHOW SLAVE STATUS}. */
    public List<Map<String, String>> queryByName(String sql) {
        return shell.queryByName(sql);
    }

    /** Runs one or more statements, as {@code root} over the unix socket. */
    public void execute(String sql) {
        shell.execute(sql);
    }

    /** The shell this server's SQL goes through, e.g. to run a long server-side wait with its own timeout. */
    public SqlShell shell() {
        return shell;
    }

    public String serverVersion() {
        return queryValue("SELECT VERSION()");
    }

    /** Everything this server has executed: {@code @@gtid_current_pos} on MariaDB, {@code @@gtid_executed} on MySQL. */
    public String gtidPosition() {
        String value = queryValue(flavour() == Flavour.MARIADB
                ? "SELECT @@GLOBAL.gtid_current_pos" : "SELECT @@GLOBAL.gtid_executed");
        // MySQL wraps long sets over several lines; neither flavour puts whitespace inside a set.
        return value == null ? "" : value.replaceAll("\\s+", "");
    }

    /** {@code SHOW SLAVE STATUS} (MariaDB) or {@code SHOW REPLICA STATUS} (MySQL); empty if not a replica. */
    public Map<String, String> replicationStatus() {
        List<Map<String, String>> rows = queryByName(flavour() == Flavour.MARIADB
                ? "SHOW SLAVE STATUS" : "SHOW REPLICA STATUS");
        return rows.isEmpty() ? Map.of() : rows.get(0);
    }

    /** Whether both replication threads (IO and SQL) are running. */
    public boolean isReplicating() {
        Map<String, String> status = replicationStatus();
        String io = status.getOrDefault("Slave_IO_Running", status.get("Replica_IO_Running"));
        String sql = status.getOrDefault("Slave_SQL_Running", status.get("Replica_SQL_Running"));
        return "Yes".equals(io) && "Yes".equals(sql);
    }

    /**
     * Points this server at {@code source} with GTID positioning and starts replicating. Idempotent enough for repointing
     * after a failover: replication is stopped first.
     */
    public void startReplicatingFrom(SandboxServer source) {
        Account repl = SandboxAccounts.REPLICATION;
        if (flavour() == Flavour.MARIADB) {
            // slave_pos: resume from what this server has applied, which is empty on a fresh server, so it streams the
            // source's binlog from the beginning.
            execute("STOP SLAVE; CHANGE MASTER TO MASTER_HOST='" + HOST + "', MASTER_PORT=" + source.port()
                    + ", MASTER_USER='" + repl.user() + "', MASTER_PASSWORD='" + repl.password()
                    + "', MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=slave_pos; START SLAVE");
        } else {
            // GET_SOURCE_PUBLIC_KEY lets the IO thread authenticate with caching_sha2_password without TLS (MySQL 9).
            execute("STOP REPLICA; CHANGE REPLICATION SOURCE TO SOURCE_HOST='" + HOST + "', SOURCE_PORT="
                    + source.port() + ", SOURCE_USER='" + repl.user() + "', SOURCE_PASSWORD='" + repl.password()
                    + "', SOURCE_CONNECT_RETRY=1, SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1; START REPLICA");
        }
        log.info("{} replicating from {} ({})", name, source.name(), source.address());
    }

    /** A JDBC URL for this server with no credentials, for the flavour's own driver. */
    public String jdbcUrl() {
        return (flavour() == Flavour.MARIADB ? "jdbc:mariadb://" : "jdbc:mysql://") + address() + "/";
    }

    /** A JDBC URL carrying {@code user} and {@code password}. */
    public String jdbcUrl(String user, String password) {
        String url = jdbcUrl() + "?user=" + URLEncoder.encode(user, StandardCharsets.UTF_8)
                + "&password=" + URLEncoder.encode(password, StandardCharsets.UTF_8);
        return flavour() == Flavour.MYSQL ? url + "&allowPublicKeyRetrieval=true" : url;
    }

    public String jdbcUrl(Account account) {
        return jdbcUrl(account.user(), account.password());
    }

    /** The last {@code lines} lines of the server's error log, for failure messages. */
    public String errorLogTail(int lines) {
        try {
            if (!Files.exists(errorLog)) {
                return "(no error log at " + errorLog + ")";
            }
            List<String> all = Files.readAllLines(errorLog, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(could not read " + errorLog + ": " + e + ")";
        }
    }

    /** First start: picks a free port, retrying if another process takes it between our probe and the server's bind. */
    synchronized void launch() {
        for (int attempt = 1; ; attempt++) {
            if (role != Role.TEMPLATE) {
                port = freePort();
            }
            try {
                startProcess();
                return;
            } catch (SandboxException e) {
                if (attempt >= PORT_ATTEMPTS || !errorLogTail(20).contains("Address already in use")) {
                    throw e;
                }
                log.info("{} lost port {} to another process, retrying", name, port);
            }
        }
    }

    /** Starts the server again, on the same port and data directory, and waits until it accepts connections. */
    public synchronized void start() {
        if (isAlive()) {
            throw new IllegalStateException(name + " is already running (pid " + pid() + ")");
        }
        startProcess();
    }

    /** Crash: {@code SIGKILL}, no chance to flush anything. Waits until the process is gone. */
    public synchronized void kill9() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroyForcibly();
        awaitExit(p, STOP_BOUND);
        paused = false;
        log.info("{} killed with SIGKILL (pid {})", name, p.pid());
    }

    /** Clean shutdown ({@code SIGTERM}, which the server treats as {@code SHUTDOWN}); {@code SIGKILL} if it overruns. */
    public synchronized void stop() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        signalStop(p);
        if (!awaitExit(p, STOP_BOUND)) {
            log.warn("{} did not shut down within {}, killing it (pid {})", name, STOP_BOUND, p.pid());
            p.destroyForcibly();
            awaitExit(p, STOP_BOUND);
        }
        paused = false;
        log.info("{} stopped (pid {})", name, p.pid());
    }

    /** Stall: {@code SIGSTOP}. Connections and queries hang until {@link #resume()}. */
    public synchronized void pause() {
        signal("STOP");
        paused = true;
        log.info("{} paused with SIGSTOP (pid {})", name, pid());
    }

    /** {@code SIGCONT} after {@link #pause()}. */
    public synchronized void resume() {
        signal("CONT");
        paused = false;
        log.info("{} resumed with SIGCONT (pid {})", name, pid());
    }

    public boolean isPaused() {
        return paused;
    }

    /** Sends {@code SIGTERM} without waiting, so a cluster can stop all its servers at once. */
    synchronized void signalStop() {
        Process p = process;
        if (p != null && p.isAlive()) {
            signalStop(p);
        }
    }

    private void signalStop(Process p) {
        if (paused) {
            // A stopped process keeps SIGTERM pending; it has to run to shut down.
            signal("CONT");
            paused = false;
        }
        p.destroy();
    }

    /** Waits for the process to end, then {@code SIGKILL}s it. Returns whether it ended by itself. */
    synchronized boolean awaitStopped(Duration bound) {
        Process p = process;
        if (p == null) {
            return true;
        }
        if (awaitExit(p, bound)) {
            return true;
        }
        log.warn("{} did not shut down within {}, killing it (pid {})", name, bound, p.pid());
        p.destroyForcibly();
        awaitExit(p, STOP_BOUND);
        return false;
    }

    private void startProcess() {
        try {
            Files.createDirectories(dir.resolve("tmp"));
        } catch (IOException e) {
            throw new SandboxException("Could not create " + dir.resolve("tmp"), e);
        }
        List<String> command = commandLine();
        long started = System.nanoTime();
        Process p;
        try {
            p = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("console.log").toFile()))
                    .start();
            p.getOutputStream().close();
        } catch (IOException e) {
            throw new SandboxException("Could not run " + binaries.server() + " for " + name, e);
        }
        process = p;
        paused = false;
        awaitReady(p, options.startTimeout());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        log.info("{} started in {} ms (pid {}, {})", name, millis, p.pid(),
                role == Role.TEMPLATE ? "socket only" : address());
    }

    /** Polls until a client gets an answer over the socket; fails fast if the server process exits. */
    private void awaitReady(Process p, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        SqlShell probe = shell.withTimeout(Duration.ofSeconds(5));
        SandboxException last = null;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new SandboxException(name + " exited with status " + p.exitValue() + " while starting; "
                        + "error log " + errorLog + " ends with:\n" + errorLogTail(30));
            }
            if (Files.exists(socket)) {
                try {
                    probe.queryValue("SELECT 1");
                    return;
                } catch (SandboxException e) {
                    last = e;
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        p.destroyForcibly();
        awaitExit(p, STOP_BOUND);
        throw new SandboxException(name + " did not accept connections within " + bound
                + (last == null ? "" : " (last attempt: " + last.getMessage() + ")")
                + "; error log " + errorLog + " ends with:\n" + errorLogTail(30));
    }

    List<String> commandLine() {
        List<String> args = new ArrayList<>();
        args.add(binaries.server().toString());
        // Never read /etc/mysql or ~/.my.cnf: the sandbox must behave the same on every machine.
        args.add("--no-defaults");
        args.add("--datadir=" + dataDir);
        args.add("--socket=" + socket);
        args.add("--pid-file=" + dir.resolve("mysqld.pid"));
        args.add("--log-error=" + errorLog);
        args.add("--tmpdir=" + dir.resolve("tmp"));
        args.add("--skip-name-resolve");
        // Tests relay BLOBs over 16 MiB (several frames); the server's 16M default (MariaDB) would refuse them.
        args.add("--max-allowed-packet=256M");
        if ("root".equals(System.getProperty("user.name"))) {
            // Both servers refuse to run as root unless told to.
            args.add("--user=root");
        }
        args.add("--server-id=" + serverId);
        args.add("--innodb-buffer-pool-size=" + options.innodbBufferPoolSize());
        args.add("--innodb-flush-log-at-trx-commit=" + (options.durable() ? 1 : 2));
        args.add("--sync-binlog=" + (options.durable() ? 1 : 0));
        if (role == Role.TEMPLATE) {
            args.add("--skip-networking");
            args.add("--skip-log-bin");
        } else {
            args.add("--bind-address=" + HOST);
            args.add("--port=" + port);
            args.add("--report-host=" + HOST);
            args.add("--report-port=" + port);
            args.add("--log-bin=binlog");
            args.add("--relay-log=relay-bin");
            args.add("--binlog-format=ROW");
        }
        if (flavour() == Flavour.MARIADB) {
            args.add("--innodb-log-file-size=" + options.innodbLogFileSize());
            // Linux AIO contexts are a host-wide quota (fs.aio-max-nr) shared by every engineer's sandboxes; running out
            // makes InnoDB fail at start. Simulated AIO is plenty for a test server.
            args.add("--innodb-use-native-aio=0");
            if (role != Role.TEMPLATE) {
                args.add("--log-slave-updates");
                args.add("--gtid-strict-mode=ON");
            }
        } else {
            args.add("--loose-innodb-log-file-size=" + options.innodbLogFileSize());
            // The X plugin would otherwise listen on 33060 on every interface.
            args.add("--mysqlx=OFF");
            // MySQL 8.4 ships mysql_native_password disabled; loose: 8.0 has no such option, 9.x no such plugin.
            args.add("--loose-mysql-native-password=ON");
            if (role != Role.TEMPLATE) {
                args.add("--gtid-mode=ON");
                args.add("--enforce-gtid-consistency=ON");
                args.add("--log-replica-updates=ON");
            }
        }
        if (role == Role.REPLICA) {
            args.add("--read-only=1");
        }
        if (options.semiSync() && role != Role.TEMPLATE) {
            args.addAll(semiSyncArgs());
        }
        args.addAll(options.extraServerArgs());
        return args;
    }

    private List<String> semiSyncArgs() {
        if (flavour() == Flavour.MARIADB) {
            // Built into MariaDB since 10.3.3: no plugin to load.
            return role == Role.SOURCE
                    ? List.of("--rpl-semi-sync-master-enabled=ON")
                    : List.of("--rpl-semi-sync-slave-enabled=ON");
        }
        return role == Role.SOURCE
                ? List.of("--plugin-load-add=semisync_source.so", "--rpl-semi-sync-source-enabled=ON")
                : List.of("--plugin-load-add=semisync_replica.so", "--rpl-semi-sync-replica-enabled=ON");
    }

    private void signal(String signal) {
        long pid = pid();
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                    .redirectErrorStream(true).start();
            kill.getOutputStream().close();
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new SandboxException("kill -" + signal + " " + pid + " failed for " + name + ": " + out);
            }
        } catch (IOException e) {
            throw new SandboxException("Could not run kill -" + signal + " " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("Interrupted while sending SIG" + signal + " to " + name, e);
        }
    }

    private static boolean awaitExit(Process p, Duration bound) {
        try {
            return p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        }
    }

    private static int freePort() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new SandboxException("Could not find a free port on " + HOST, e);
        }
    }

    @Override
    public String toString() {
        return name + "@" + address();
    }
}
