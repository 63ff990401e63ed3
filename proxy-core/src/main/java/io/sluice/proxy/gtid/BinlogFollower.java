package io.sluice.proxy.gtid;

import com.github.shyiko.mysql.binlog.BinaryLogClient;
import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.network.AuthenticationException;
import com.github.shyiko.mysql.binlog.network.ServerException;
import io.sluice.protocol.gtid.Gtid;
import io.sluice.protocol.gtid.GtidParseException;
import io.sluice.protocol.gtid.GtidSet;
import io.sluice.proxy.backend.BackendEndpoint;
import io.sluice.proxy.monitor.MonitorSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Keeps one server's executed GTID set, on a thread of its own: seeds it from the server, then follows the server's
 * binlog, publishing the set to the {@link WaiterRegistry} after every transaction. See {@link GtidTracker} for the
 * whole picture; this class is the per-server loop.
 *
 * <h2>One session</h2>
 * Each session opens an {@link AdminConnection}, reads the server's version (hence its flavour), then:
 * <ul>
 *   <li>MariaDB: {@code SHOW MASTER STATUS} (file and position), then {@code @@GLOBAL.gtid_binlog_pos}, then streams
 *       from that file and position. No transaction falls between the two: MariaDB updates its binlog GTID state when
 *       it writes a transaction's GTID event, under the same binlog lock that {@code SHOW MASTER STATUS} takes, so
 *       everything before the position is in the seed; what commits in between is in both, and a union is
 *       idempotent.</li>
 *   <li>MySQL: {@code @@GLOBAL.gtid_executed}, then streams by GTID ({@code COM_BINLOG_DUMP_GTID}) from that set.
 *       Reading a file position first would leave a gap here: MySQL adds a transaction to {@code gtid_executed} in its
 *       commit stage, after the transaction is already in the binlog, so a position read after the flush but a set read
 *       before the commit would both miss it. Asking the server for "everything not in this set" cannot miss
 *       anything.</li>
 * </ul>
 * The stream's socket has a read timeout of a few heartbeats (the server is asked to send one every
 * {@link MonitorSettings#interval()} when idle), so a stalled server or a silent network partition ends the session
 * instead of leaving a stale set that looks current.
 *
 * <h2>Falling back to polling</h2>
 * If the stream cannot be had at all (no {@code REPLICATION SLAVE} privilege, binlog off, no {@code BINLOG MONITOR}
 * for {@code SHOW MASTER STATUS}, MySQL with {@code gtid_mode} not ON; see {@link #refusesStreaming}), the follower
 * polls the seed variable every {@link MonitorSettings#interval()} instead, logs the reason once at WARN, and tries the
 * stream again every {@link #STREAM_RETRY}. Waiters then fire up to one interval late.
 *
 * <h2>Reconnecting</h2>
 * When a session ends (the server closed the stream, was killed, stalled), the follower re-seeds in a new session: at
 * once if the last session had lasted longer than {@link MonitorSettings#maxBackoff()}, then after one interval,
 * doubling up to {@link MonitorSettings#maxBackoff()} while the server stays unreachable or keeps dropping the
 * stream. A re-seed replaces the set: the server is the authority, and a set that went back (a
 * {@code RESET MASTER}, another server at the same address) is logged.
 *
 * <h2>Threads</h2>
 * Everything but {@link #close()} and the volatile statistics runs on the follower's thread, including the binlog
 * library's {@code connect()}, which blocks there for the whole stream and calls the listeners on it.
 * {@link #close()} closes the follower's sockets, which ends any blocking read at once.
 */
final class BinlogFollower {
    private static final Logger log = LoggerFactory.getLogger(BinlogFollower.class);
    /** How long to poll after the stream was refused before trying it again (privileges may have been granted). */
    static final Duration STREAM_RETRY = Duration.ofMinutes(1);

    private final BackendEndpoint endpoint;
    private final MonitorSettings settings;
    private final long binlogServerId;
    private final WaiterRegistry registry;
    private final Sockets sockets = new Sockets();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean closed;

    // Read from any thread, written only by the follower's thread.
    private volatile GtidTracker.Mode mode = GtidTracker.Mode.DOWN;
    private volatile GtidSet.Flavour flavour;
    private volatile long transactions;
    private volatile long reconnects;
    private volatile long lastEventNanos;
    private volatile long streamConnectionId;

    // Confined to the follower's thread.
    private final CommitDetector detector = new CommitDetector();
    private GtidSet executed = GtidSet.empty();
    private boolean seeded;
    private long pollUntilNanos;
    private boolean pollingBefore;
    private String downReported;
    private final Set<String> refusalsLogged = new HashSet<>();

    BinlogFollower(BackendEndpoint endpoint, MonitorSettings settings, long binlogServerId, WaiterRegistry registry) {
        this.endpoint = endpoint;
        this.settings = settings;
        this.binlogServerId = binlogServerId;
        this.registry = registry;
        this.thread = new Thread(this::run, "sluice-gtid-" + endpoint.name());
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    String name() {
        return endpoint.name();
    }

    GtidTracker.Mode mode() {
        return mode;
    }

    GtidSet.Flavour flavour() {
        return flavour;
    }

    GtidTracker.Stats stats() {
        return new GtidTracker.Stats(mode, transactions, reconnects, lastEventNanos);
    }

    long streamConnectionId() {
        return streamConnectionId;
    }

    /** Stops the thread: closes its sockets (ending any blocking read) and wakes it from a backoff pause. */
    void signalClose() {
        closed = true;
        closing.countDown();
        sockets.closeAll();
    }

    /** Waits for the thread to end, at most until {@code deadlineNanos}; true if it did. */
    boolean awaitTermination(long deadlineNanos) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.timedJoin(thread, left);
        }
        return !thread.isAlive();
    }

    private void run() {
        long delayMillis = 0;
        try {
            while (!closed) {
                boolean worked = false;
                String problem;
                long began = System.nanoTime();
                try {
                    Outcome o = session();
                    worked = o.worked;
                    problem = o.problem;
                } catch (IOException | RuntimeException e) {
                    problem = describe(e);
                    if (e instanceof RuntimeException) {
                        log.warn("GTID tracking of {}: unexpected failure", endpoint, e);
                    }
                }
                if (closed) {
                    break;
                }
                mode = GtidTracker.Mode.DOWN;
                if (problem == null) {
                    continue; // switching between stream and polling: no pause
                }
                if (worked) {
                    log.info("GTID tracking of {} lost its connection ({}); re-seeding", endpoint, problem);
                    downReported = null;
                    // Reconnect at once after a connection that lasted; one that keeps ending as soon as it starts
                    // (say another reader with our server id, each evicting the other) backs off like a failure.
                    if (System.nanoTime() - began > settings.maxBackoff().toNanos()) {
                        delayMillis = 0;
                    }
                } else if (!problem.equals(downReported)) {
                    log.warn("GTID tracking of {} is down: {}; retrying up to every {} ms", endpoint, problem,
                            settings.maxBackoff().toMillis());
                    downReported = problem;
                }
                if (delayMillis > 0 && closing.await(delayMillis, TimeUnit.MILLISECONDS)) {
                    break;
                }
                delayMillis = delayMillis == 0 ? settings.interval().toMillis()
                        : Math.min(delayMillis * 2, settings.maxBackoff().toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            mode = GtidTracker.Mode.DOWN;
        }
    }

    /** How a session ended: whether it published anything, and why it ended (null: switch modes at once). */
    private record Outcome(boolean worked, String problem) {
    }

    private Outcome session() throws IOException {
        StreamStart start;
        try (AdminConnection admin = AdminConnection.open(endpoint, settings.user(), settings.password(),
                (int) settings.connectTimeout().toMillis(), (int) settings.checkTimeout().toMillis(), sockets)) {
            GtidSet.Flavour f = GtidTracker.flavourOf(admin.serverVersion());
            flavour = f;
            if (System.nanoTime() - pollUntilNanos < 0) {
                return poll(admin, f);
            }
            try {
                start = prepareStream(admin, f);
            } catch (ServerException e) {
                if (!refusesStreaming(e)) {
                    throw e;
                }
                start = StreamStart.refused("the server refused " + describe(e));
            }
            if (start.refusal != null) {
                refuse(start.refusal);
                return poll(admin, f);
            }
            reseed(start.seed);
        }
        return stream(start);
    }

    /** What the stream starts from; or why it cannot be opened. */
    private record StreamStart(GtidSet.Flavour flavour, GtidSet seed, String file, long position, String refusal) {
        static StreamStart refused(String why) {
            return new StreamStart(null, null, null, 0, why);
        }
    }

    private StreamStart prepareStream(AdminConnection admin, GtidSet.Flavour f) throws IOException {
        if (f == GtidSet.Flavour.MARIADB) {
            List<List<String>> status = admin.query("SHOW MASTER STATUS");
            if (status.isEmpty()) {
                return StreamStart.refused("the binary log is off");
            }
            String file = status.get(0).get(0);
            long position = Long.parseLong(status.get(0).get(1));
            GtidSet seed = parse(admin.value("SELECT @@GLOBAL.gtid_binlog_pos"), f);
            return new StreamStart(f, seed, file, position, null);
        }
        List<String> vars = admin.query("SELECT @@GLOBAL.log_bin, @@GLOBAL.gtid_mode").get(0);
        if (!"1".equals(vars.get(0))) {
            return StreamStart.refused("the binary log is off");
        }
        if (!"ON".equalsIgnoreCase(vars.get(1))) {
            return StreamStart.refused("gtid_mode is " + vars.get(1) + ", not ON");
        }
        GtidSet seed = parse(admin.value("SELECT @@GLOBAL.gtid_executed"), f);
        return new StreamStart(f, seed, null, 0, null);
    }

    private Outcome stream(StreamStart start) throws IOException {
        BinaryLogClient client = new BinaryLogClient(endpoint.host(), endpoint.port(), settings.user(),
                settings.password());
        long heartbeat = Math.max(100, settings.interval().toMillis());
        int readTimeout = (int) Math.max(3 * heartbeat, heartbeat + settings.checkTimeout().toMillis());
        client.setServerId(binlogServerId);
        client.setKeepAlive(false); // we reconnect ourselves, and re-seed when we do
        client.setHeartbeatInterval(heartbeat);
        client.setConnectTimeout(settings.connectTimeout().toMillis());
        client.setSocketFactory(sockets.factory(readTimeout));
        client.setEventDeserializer(CommitDetector.eventDeserializer());
        if (start.flavour == GtidSet.Flavour.MARIADB) {
            client.setBinlogFilename(start.file);
            client.setBinlogPosition(start.position);
        } else {
            client.setGtidSet(start.seed.toString());
        }
        detector.reset();
        StreamListener listener = new StreamListener();
        client.registerEventListener(listener);
        client.registerLifecycleListener(listener);
        try {
            client.connect(); // blocks until the stream ends
        } catch (ServerException e) {
            if (e instanceof AuthenticationException) {
                throw e;
            }
            listener.failure = e;
        }
        if (!listener.sawEvent && listener.failure instanceof ServerException e && refusesStreaming(e)) {
            refuse("the server refused the binlog stream: " + describe(e));
            return new Outcome(true, null);
        }
        return new Outcome(true, listener.failure == null ? "the server ended the stream" : describe(listener.failure));
    }

    /** Polls until the connection fails, the follower closes, or it is time to try the stream again. */
    private Outcome poll(AdminConnection admin, GtidSet.Flavour f) throws IOException {
        // MariaDB without a binlog has an empty gtid_binlog_pos; what it applied as a replica is in gtid_current_pos.
        String sql = f == GtidSet.Flavour.MARIADB
                ? "SELECT IF(@@GLOBAL.log_bin, @@GLOBAL.gtid_binlog_pos, @@GLOBAL.gtid_current_pos)"
                : "SELECT @@GLOBAL.gtid_executed";
        boolean first = true;
        while (!closed) {
            GtidSet set = parse(admin.value(sql), f);
            lastEventNanos = System.nanoTime();
            if (first) {
                reseed(set);
                mode = GtidTracker.Mode.POLLING;
                pollingBefore = true;
                if (downReported != null) {
                    log.info("GTID tracking of {} polls again", endpoint);
                    downReported = null;
                }
                first = false;
            } else if (!set.equals(executed)) {
                executed = set;
                registry.publish(endpoint.name(), set);
            }
            if (System.nanoTime() - pollUntilNanos >= 0) {
                return new Outcome(true, null);
            }
            try {
                if (closing.await(settings.interval().toMillis(), TimeUnit.MILLISECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return new Outcome(true, null);
    }

    /**
     * Whether the server's error means this account cannot stream this server's binlog at all, so that polling is the
     * way to go: a missing privilege ({@code REPLICATION SLAVE} for the dump, {@code BINLOG MONITOR} or
     * {@code REPLICATION CLIENT} for {@code SHOW MASTER STATUS}), or a binary log that is not open. Any other error
     * (a binlog file purged between {@code SHOW MASTER STATUS} and the dump, too many connections) is a failure to
     * retry with a fresh seed.
     */
    static boolean refusesStreaming(ServerException e) {
        if (e instanceof AuthenticationException) {
            return false; // polling logs in the same way
        }
        int code = e.getErrorCode();
        String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        return code == 1227 // ER_SPECIFIC_ACCESS_DENIED_ERROR
                || code == 1142 // ER_TABLEACCESS_DENIED_ERROR
                || code == 1044 // ER_DBACCESS_DENIED_ERROR
                || message.contains("binary log is not open")
                || message.contains("binlog is not open");
    }

    private void refuse(String reason) {
        pollUntilNanos = System.nanoTime() + STREAM_RETRY.toNanos();
        if (refusalsLogged.add(reason)) {
            log.warn("GTID tracking of {} falls back to polling every {} ms: {}", endpoint,
                    settings.interval().toMillis(), reason);
        } else {
            log.debug("GTID tracking of {} still polls: {}", endpoint, reason);
        }
    }

    /** Makes {@code seed} the server's set at the start of a session. */
    private void reseed(GtidSet seed) {
        if (seeded) {
            reconnects++;
            if (!WaiterRegistry.covers(seed, executed)) {
                log.warn("GTID set of {} went back from {} to {} (RESET MASTER, or another server at this address?)",
                        endpoint, executed, seed);
            }
        }
        seeded = true;
        executed = seed;
        registry.publish(endpoint.name(), seed);
    }

    private static GtidSet parse(String text, GtidSet.Flavour f) throws IOException {
        try {
            return f == GtidSet.Flavour.MARIADB ? GtidSet.parseMariaDb(text == null ? "" : text)
                    : GtidSet.parseMySql(text == null ? "" : text);
        } catch (GtidParseException e) {
            throw new IOException("unreadable GTID set from the server: " + e.getMessage(), e);
        }
    }

    private static String describe(Throwable e) {
        if (e instanceof ServerException s) {
            return "ERROR " + s.getErrorCode() + " (" + s.getSqlState() + "): " + s.getMessage();
        }
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** Receives the stream's events and lifecycle, on the follower's thread (inside {@code client.connect()}). */
    private final class StreamListener extends BinaryLogClient.AbstractLifecycleListener
            implements BinaryLogClient.EventListener {
        boolean sawEvent;
        Exception failure;

        @Override
        public void onConnect(BinaryLogClient client) {
            streamConnectionId = client.getConnectionId();
        }

        @Override
        public void onEvent(Event event) {
            if (!sawEvent) {
                // The server answers the dump with a (fake) Rotate and a Format description at once; until then it may
                // still refuse it, so the stream does not count as open at connect time.
                sawEvent = true;
                mode = GtidTracker.Mode.STREAM;
                if (pollingBefore || downReported != null) {
                    log.info("GTID tracking of {} streams the binlog", endpoint);
                }
                pollingBefore = false;
                downReported = null;
            }
            lastEventNanos = System.nanoTime();
            Gtid done = detector.accept(event);
            if (done != null) {
                executed = executed.add(done);
                transactions++;
                registry.publish(endpoint.name(), executed, done);
            }
        }

        @Override
        public void onCommunicationFailure(BinaryLogClient client, Exception ex) {
            failure = ex;
        }

        @Override
        public void onEventDeserializationFailure(BinaryLogClient client, Exception ex) {
            // The library skips an event it cannot decode; if that was a GTID or a commit, the set would silently
            // miss a transaction. End the stream instead and re-seed.
            failure = ex;
            sockets.closeOpen();
        }
    }
}
