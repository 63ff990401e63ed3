package io.sluice.proxy.monitor;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.sluice.proxy.backend.QueryClient;
import io.sluice.routing.topology.Role;
import io.sluice.routing.topology.ServerView;
import io.sluice.routing.topology.TopologySnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Watches the configured backends and publishes their roles, health and lag as a {@link TopologySnapshot}.
 *
 * <p>Every {@link MonitorSettings#interval()} it checks each backend over a connection of its own
 * ({@code SELECT @@read_only, @@server_id, @@version}, then {@code SHOW ALL SLAVES STATUS} on MariaDB or
 * {@code SHOW REPLICA STATUS} on MySQL, then the backend's copy of the heartbeat), and after each check re-derives the
 * roles ({@link Classifier} has the rules) and publishes a new snapshot if anything changed. An unreachable backend is
 * reconnected with exponential backoff, from one interval up to {@link MonitorSettings#maxBackoff()}; a check not
 * answered within {@link MonitorSettings#checkTimeout()} (a stalled server) closes its connection.
 *
 * <h2>Lag: the heartbeat, and why it needs no synchronised clocks</h2>
 * {@code Seconds_Behind_Master} counts whole seconds and is NULL while the IO thread is down, so lag is measured with a
 * heartbeat instead. Every {@link MonitorSettings#heartbeatInterval()} Sluice writes its row of {@code sluice.heartbeat}
 * on the source with the next sequence number, and notes on its OWN monotonic clock ({@link System#nanoTime()}) when it
 * issued that write. Reading a replica's copy of the row gives the newest sequence number the replica has applied;
 * its lag is {@code now - issued(seq)}, both instants taken by this JVM. No server's clock enters the measure, so it is
 * correct however far the servers' clocks (or Sluice's wall clock) drift, and it has millisecond resolution. It is an
 * upper bound: the replica has everything the source committed before that heartbeat was issued (replicas apply in
 * commit order), so its data is at most that old; a fresh replica reads between 0 and about one heartbeat interval.
 * The row also stores the source's {@code NOW(6)} and {@code server_id}, for people reading the table; Sluice never
 * compares them.
 * <ul>
 *   <li>Each monitor has its own row (a random 63-bit id), so several Sluice instances share one table without
 *       reading each other's heartbeats; rows untouched for a day are deleted when a writer connection opens.</li>
 *   <li>A replica whose row cannot be read (schema missing, error, no heartbeat written yet) has lag -1, which the
 *       router treats as over any budget.</li>
 *   <li>When the source cannot be written, no new heartbeat reaches the replicas and their lag grows with time, which is
 *       true: nothing shows they are fresh.</li>
 *   <li>The write carries {@code WHERE @@GLOBAL.read_only = 0}, so a source fenced by {@code read_only} is never
 *       written to by the monitor account, whose privileges would otherwise bypass {@code read_only}.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * All of the monitor's state and all its connections live on ONE event loop taken from the group it is given; every
 * query is asynchronous and nothing blocks that loop. {@link #current()} is a lock-free read of an
 * {@link AtomicReference} and may be called from any thread. Listeners are called on the monitor's event loop, after the
 * new snapshot is visible through {@link #current()}; they must not block.
 *
 * @see <a href="https://mariadb.com/kb/en/show-replica-status/">SHOW REPLICA STATUS (MariaDB)</a>
 * @see <a href="https://dev.mysql.com/doc/refman/8.0/en/show-replica-status.html">SHOW REPLICA STATUS (MySQL)</a>
 */
public final class Monitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Monitor.class);
    /** Heartbeats remembered: at the default 200 ms about 13 minutes, far more than any read budget. */
    private static final int HISTORY = 4096;
    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)");

    /** Receives every new snapshot, on the monitor's event loop; must not block. */
    @FunctionalInterface
    public interface Listener {
        void topologyChanged(TopologySnapshot snapshot);
    }

    /**
     * Receives the result of every check of every backend, changed or not, on the monitor's event loop; must not
     * block. Failure detection counts consecutive failed checks with it, which snapshots (published on change only)
     * cannot show.
     */
    @FunctionalInterface
    public interface CheckListener {
        void checked(String server, Observation observation);
    }

    /**
     * A second measure of a replica's lag, combined with the heartbeat's: given the server and the heartbeat's lag in
     * ms (-1 when unknown), returns the lag to publish. Both are upper bounds on how stale the replica is, so the
     * smaller one is the better answer; see {@link #lagRefiner}.
     */
    @FunctionalInterface
    public interface LagRefiner {
        long lagMillis(String server, long heartbeatLagMillis);
    }

    /** The backends in configuration order (added ones last); confined to the loop, replaced whole on a change. */
    private List<MonitoredBackend> backends;
    private final MonitorSettings settings;
    private final EventLoop loop;
    private final Class<? extends Channel> channelType;
    private final SslContext tls;
    private final long heartbeatId;
    private final AtomicReference<TopologySnapshot> current = new AtomicReference<>(TopologySnapshot.empty());
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final List<CheckListener> checkListeners = new CopyOnWriteArrayList<>();
    private volatile LagRefiner lagRefiner = (server, lag) -> lag;

    // Confined to the loop.
    private final Map<String, Probe> probes = new LinkedHashMap<>();
    private final HeartbeatHistory history = new HeartbeatHistory(HISTORY);
    private final HeartbeatWriter heartbeat = new HeartbeatWriter();
    private final Map<String, String> loggedStates = new HashMap<>();
    private ScheduledFuture<?> checkTask;
    private ScheduledFuture<?> heartbeatTask;
    private boolean closed;
    /**
     * Set once the first snapshot is out: from then on a backend added by {@link #add} is left out of the snapshots
     * until its first check, so that nothing routes to a server the monitor has not measured yet.
     */
    private boolean firstPublished;

    private Monitor(List<MonitoredBackend> backends, MonitorSettings settings, EventLoop loop,
                    Class<? extends Channel> channelType, SslContext tls) {
        this.backends = List.copyOf(backends);
        this.settings = settings;
        this.loop = loop;
        this.channelType = channelType;
        this.tls = tls;
        this.heartbeatId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        for (MonitoredBackend b : this.backends) {
            if (probes.put(b.name(), new Probe(b)) != null) {
                throw new IllegalArgumentException("two backends are named " + b.name());
            }
        }
    }

    /**
     * Starts watching {@code backends}. The first snapshot is published once every backend has been checked (or found
     * unreachable); until then {@link #current()} is {@link TopologySnapshot#empty()}.
     *
     * @param backends    in configuration order, which breaks ties between equally eligible writers
     * @param group       the monitor takes one event loop of it
     * @param channelType the socket channel class matching {@code group}'s transport
     * @param tls         for backend connections, or null for none
     */
    public static Monitor start(List<MonitoredBackend> backends, MonitorSettings settings, EventLoopGroup group,
                                Class<? extends Channel> channelType, SslContext tls) {
        Objects.requireNonNull(settings, "settings");
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("no backends to monitor");
        }
        Monitor m = new Monitor(backends, settings, group.next(), channelType, tls);
        m.loop.execute(m::schedule);
        log.info("monitor watching {} every {} ms, heartbeat every {} ms (row id {})",
                m.backends.stream().map(b -> b.endpoint().toString()).toList(), settings.interval().toMillis(),
                settings.heartbeatInterval().toMillis(), m.heartbeatId);
        return m;
    }

    /** The latest snapshot; lock-free, from any thread. */
    public TopologySnapshot current() {
        return current.get();
    }

    /**
     * Combines each replica's heartbeat lag with another measure from the next check on. The heartbeat can only tell
     * how old the newest heartbeat a replica applied is, so a caught-up, idle replica reads anywhere from 0 to one
     * heartbeat interval; the GTID tracker can tell it has everything (0), which is what a lag budget of a few
     * milliseconds needs.
     */
    public void lagRefiner(LagRefiner refiner) {
        this.lagRefiner = Objects.requireNonNull(refiner, "refiner");
    }

    public void addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    /**
     * Starts watching one more backend (a configuration reload added it), at the end of the configuration order. It
     * appears in the snapshots from its first check on, classified by the same rules as the others; until then it is
     * in none, so nothing is routed to it. Asynchronous: the returned future completes on the monitor's loop once the
     * backend is being checked.
     */
    public CompletableFuture<Void> add(MonitoredBackend backend) {
        Objects.requireNonNull(backend, "backend");
        CompletableFuture<Void> done = new CompletableFuture<>();
        onLoop(() -> {
            if (probes.containsKey(backend.name())) {
                done.completeExceptionally(new IllegalArgumentException("already watching " + backend.name()));
                return;
            }
            List<MonitoredBackend> next = new java.util.ArrayList<>(backends);
            next.add(backend);
            backends = List.copyOf(next);
            probes.put(backend.name(), new Probe(backend));
            log.info("monitor now also watching {}", backend.endpoint());
            done.complete(null);
        });
        return done;
    }

    /**
     * Stops watching a backend (a configuration reload removed it): closes its connection, ignores any check of it
     * still under way, and publishes a snapshot without it at once. Asynchronous, like {@link #add}; removing a name
     * that is not watched does nothing.
     */
    public CompletableFuture<Void> remove(String name) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        onLoop(() -> {
            Probe p = probes.remove(name);
            if (p != null) {
                p.removed = true;
                p.attempt++;
                p.disconnect();
                backends = backends.stream().filter(b -> !b.name().equals(name)).toList();
                loggedStates.remove(name);
                log.info("monitor no longer watching {}", p.backend.endpoint());
                publish();
            }
            done.complete(null);
        });
        return done;
    }

    public void addCheckListener(CheckListener listener) {
        checkListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** This monitor's row in {@code sluice.heartbeat}. */
    public long heartbeatId() {
        return heartbeatId;
    }

    /** Stops checking and closes every connection; waits (briefly) for the event loop to do so. Idempotent. */
    @Override
    public void close() {
        if (loop.inEventLoop()) {
            shutdown();
            return;
        }
        try {
            loop.submit(this::shutdown).get(5, TimeUnit.SECONDS);
        } catch (RejectedExecutionException e) {
            // The loop is already shut down, and its channels with it.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            log.warn("monitor did not shut down cleanly: {}", e.toString());
        }
    }

    private void schedule() {
        if (closed) {
            return;
        }
        long interval = settings.interval().toMillis();
        checkTask = loop.scheduleAtFixedRate(this::checkAll, 0, interval, TimeUnit.MILLISECONDS);
        long beat = settings.heartbeatInterval().toMillis();
        heartbeatTask = loop.scheduleAtFixedRate(heartbeat::tick, 0, beat, TimeUnit.MILLISECONDS);
    }

    private void shutdown() {
        if (closed) {
            return;
        }
        closed = true;
        if (checkTask != null) {
            checkTask.cancel(false);
        }
        if (heartbeatTask != null) {
            heartbeatTask.cancel(false);
        }
        probes.values().forEach(Probe::disconnect);
        heartbeat.disconnect();
    }

    private void checkAll() {
        for (Probe p : probes.values()) {
            p.tick();
        }
    }

    /**
     * Records an observation and republishes: the first time once every backend has one, then whenever anything
     * changed (a backend added since, and not checked yet, is left out).
     */
    private void observe(Probe probe, Observation o) {
        if (closed || probe.removed) {
            return;
        }
        probe.last = o;
        for (CheckListener l : checkListeners) {
            try {
                l.checked(probe.backend.name(), o);
            } catch (RuntimeException e) {
                log.warn("check listener {} failed", l, e);
            }
        }
        publish();
    }

    private void publish() {
        Map<String, Observation> observations = new HashMap<>();
        for (Probe p : probes.values()) {
            if (p.last == null && !firstPublished) {
                return;
            }
            if (p.last != null) {
                observations.put(p.backend.name(), p.last);
            }
        }
        if (observations.isEmpty()) {
            return;
        }
        firstPublished = true;
        TopologySnapshot previous = current.get();
        String writer = previous.servers().stream().filter(s -> s.role() == Role.SOURCE).map(ServerView::name)
                .findFirst().orElse(null);
        List<MonitoredBackend> measured = backends.stream().filter(b -> observations.containsKey(b.name())).toList();
        List<ServerView> views = Classifier.classify(measured, observations, writer);
        logChanges(views, observations);
        if (views.equals(previous.servers())) {
            return;
        }
        TopologySnapshot next = new TopologySnapshot(previous.version() + 1, views);
        current.set(next);
        for (Listener l : listeners) {
            try {
                l.topologyChanged(next);
            } catch (RuntimeException e) {
                log.warn("topology listener {} failed", l, e);
            }
        }
    }

    private void logChanges(List<ServerView> views, Map<String, Observation> observations) {
        for (ServerView v : views) {
            String state = v.role() + (v.reachable() ? "" : " unreachable")
                    + (v.role() == Role.REPLICA && !v.replicating() ? " not replicating" : "");
            String before = loggedStates.put(v.name(), state);
            if (state.equals(before)) {
                continue;
            }
            Observation o = observations.get(v.name());
            String detail = !o.reachable() ? o.problem()
                    : (v.readOnly() ? "read_only" : "writable")
                    + o.channels().stream().map(c -> ", replicating from " + c.describe()).reduce("", String::concat);
            log.info("backend {}: {} -> {} ({})", probes.get(v.name()).backend.endpoint(),
                    before == null ? "new" : before, state, detail);
        }
    }

    private String writerName() {
        return current.get().source().map(ServerView::name).orElse(null);
    }

    private void onLoop(Runnable r) {
        if (loop.inEventLoop()) {
            r.run();
            return;
        }
        try {
            loop.execute(r);
        } catch (RejectedExecutionException e) {
            // Shutting down.
        }
    }

    private long backoff(long previousNanos) {
        long first = settings.interval().toNanos();
        return previousNanos == 0 ? first : Math.min(previousNanos * 2, settings.maxBackoff().toNanos());
    }

    private CompletableFuture<QueryClient> connect(MonitoredBackend backend) {
        return QueryClient.connect(loop, channelType, backend.endpoint(), settings.user(), settings.password(), tls,
                (int) settings.connectTimeout().toMillis());
    }

    /** How long a connect plus login may take before it is abandoned (a stalled server accepts TCP but never greets). */
    private long loginBoundMillis() {
        return settings.connectTimeout().toMillis() + settings.checkTimeout().toMillis();
    }

    private static String message(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** {@code SHOW ALL SLAVES STATUS} on MariaDB (every multi-source connection); the right spelling for MySQL. */
    static String statusSql(String version) {
        if (version.contains("MariaDB")) {
            return "SHOW ALL SLAVES STATUS";
        }
        Matcher m = VERSION.matcher(version);
        if (m.find()) {
            int v = Integer.parseInt(m.group(1)) * 10_000 + Integer.parseInt(m.group(2)) * 100
                    + Integer.parseInt(m.group(3));
            return v >= 80_022 ? "SHOW REPLICA STATUS" : "SHOW SLAVE STATUS";
        }
        return "SHOW REPLICA STATUS";
    }

    /** One backend's connection and check cycle. Confined to the loop. */
    private final class Probe {
        final MonitoredBackend backend;
        QueryClient client;
        /** A connect or a check is in flight. */
        boolean busy;
        /** Bumped by every connect, check and abandonment, so that a late answer to an abandoned one is ignored. */
        int attempt;
        long nextConnectAt = System.nanoTime();
        long backoffNanos;
        /** Null until the first check finished. */
        Observation last;
        /** A reload removed the backend: answers still under way are dropped. */
        boolean removed;

        Probe(MonitoredBackend backend) {
            this.backend = backend;
        }

        void tick() {
            if (closed || busy) {
                return;
            }
            if (client != null && client.connection().isActive()) {
                check();
                return;
            }
            client = null;
            if (System.nanoTime() - nextConnectAt < 0) {
                return;
            }
            busy = true;
            int gen = ++attempt;
            ScheduledFuture<?> guard = loop.schedule(() -> abandon(gen, "no login within " + loginBoundMillis() + " ms"),
                    loginBoundMillis(), TimeUnit.MILLISECONDS);
            connect(backend).whenComplete((c, e) -> onLoop(() -> {
                guard.cancel(false);
                if (closed || attempt != gen) {
                    if (c != null) {
                        c.close();
                    }
                    return;
                }
                busy = false;
                if (e != null) {
                    failed("cannot connect: " + message(e));
                    return;
                }
                client = c;
                backoffNanos = 0;
                check();
            }));
        }

        /** The heartbeat's lag combined with the refiner's (see {@link Monitor#lagRefiner}); a failing refiner is ignored. */
        private long refinedLag(long heartbeatLag) {
            try {
                return lagRefiner.lagMillis(backend.name(), heartbeatLag);
            } catch (RuntimeException e) {
                log.warn("lag refiner failed for {}: {}", backend, e.toString());
                return heartbeatLag;
            }
        }

        private void check() {
            busy = true;
            int gen = ++attempt;
            QueryClient c = client;
            ScheduledFuture<?> guard = loop.schedule(() -> abandon(gen, "no answer within "
                    + settings.checkTimeout().toMillis() + " ms"), settings.checkTimeout().toMillis(), TimeUnit.MILLISECONDS);
            c.query("SELECT @@GLOBAL.read_only, @@GLOBAL.server_id, @@GLOBAL.version").thenCompose(vars -> {
                List<String> row = vars.rows().get(0);
                boolean readOnly = !"0".equals(row.get(0));
                long serverId = Long.parseLong(row.get(1));
                return c.query(statusSql(row.get(2))).thenCompose(status -> readHeartbeat(c).thenApply(hb ->
                        new Observation(true, hb.problem, readOnly, serverId, ReplicationChannel.parse(status),
                                refinedLag(hb.lagMillis), ReplicationChannel.committedGtids(status))));
            }).whenComplete((o, e) -> onLoop(() -> {
                guard.cancel(false);
                if (closed || attempt != gen) {
                    return;
                }
                busy = false;
                if (e != null) {
                    failed("check failed: " + message(e));
                } else {
                    observe(this, o);
                }
            }));
        }

        private void abandon(int gen, String why) {
            if (busy && attempt == gen) {
                attempt++;
                busy = false;
                failed(why);
            }
        }

        private void failed(String problem) {
            disconnect();
            nextConnectAt = System.nanoTime() + backoffNanos;
            backoffNanos = backoff(backoffNanos);
            observe(this, Observation.unreachable(problem));
        }

        void disconnect() {
            if (client != null) {
                client.close();
                client = null;
            }
        }
    }

    private record HeartbeatRead(long lagMillis, String problem) {
    }

    /**
     * This monitor's heartbeat on the server behind {@code c}. A server error (no such table, no privilege) is a
     * lag of -1, not a failed check: the server is reachable, its freshness is unknown.
     */
    private CompletableFuture<HeartbeatRead> readHeartbeat(QueryClient c) {
        if (history.isEmpty()) {
            return CompletableFuture.completedFuture(new HeartbeatRead(-1, "no heartbeat written yet"));
        }
        return c.query("SELECT seq FROM sluice.heartbeat WHERE id = " + heartbeatId).handle((r, e) -> {
            // Taken when the answer arrived: the data read was at least this fresh then, so the lag is an upper bound.
            long now = System.nanoTime();
            if (e != null) {
                Throwable t = unwrap(e);
                if (t instanceof QueryClient.QueryException q) {
                    return new HeartbeatRead(-1, "heartbeat unreadable: " + q.getMessage());
                }
                throw e instanceof CompletionException ce ? ce : new CompletionException(e);
            }
            if (r.rows().isEmpty() || r.rows().get(0).get(0) == null) {
                return new HeartbeatRead(-1, "no heartbeat row yet");
            }
            long lag = history.lagMillis(Long.parseLong(r.rows().get(0).get(0)), now);
            return new HeartbeatRead(lag, lag < 0 ? "unknown heartbeat" : "");
        });
    }

    /** Writes the heartbeat on the current source, over a connection of its own so a slow check cannot delay it. */
    private final class HeartbeatWriter {
        String target;
        QueryClient client;
        boolean busy;
        int attempt;
        long nextConnectAt = System.nanoTime();
        long backoffNanos;

        void tick() {
            if (closed) {
                return;
            }
            String source = writerName();
            if (!Objects.equals(source, target)) {
                disconnect();
                target = source;
                backoffNanos = 0;
                nextConnectAt = System.nanoTime();
                if (source != null && probes.containsKey(source)) {
                    log.info("heartbeat now written on {}", probes.get(source).backend.endpoint());
                }
            }
            if (target == null || busy || !probes.containsKey(target)) {
                return;
            }
            if (client != null && client.connection().isActive()) {
                write();
                return;
            }
            client = null;
            if (System.nanoTime() - nextConnectAt < 0) {
                return;
            }
            busy = true;
            int gen = ++attempt;
            String to = target;
            ScheduledFuture<?> guard = loop.schedule(() -> abandon(gen, "no login within " + loginBoundMillis() + " ms"),
                    loginBoundMillis(), TimeUnit.MILLISECONDS);
            connect(probes.get(to).backend).thenCompose(c -> {
                if (closed || attempt != gen) {
                    c.close();
                    throw new CompletionException(new IllegalStateException("abandoned"));
                }
                client = c;
                return c.query("CREATE DATABASE IF NOT EXISTS sluice")
                        .thenCompose(x -> c.query("CREATE TABLE IF NOT EXISTS sluice.heartbeat ("
                                + "id BIGINT UNSIGNED NOT NULL PRIMARY KEY COMMENT 'one row per Sluice monitor', "
                                + "seq BIGINT UNSIGNED NOT NULL COMMENT 'the monitor''s heartbeat number', "
                                + "written_at DATETIME(6) NOT NULL COMMENT 'writer clock, informational only', "
                                + "server_id INT UNSIGNED NOT NULL COMMENT 'the writer') ENGINE=InnoDB "
                                + "COMMENT='Sluice replication lag heartbeat'"))
                        .thenCompose(x -> c.query("DELETE FROM sluice.heartbeat WHERE written_at < NOW(6) - INTERVAL 1 DAY"));
            }).whenComplete((r, e) -> onLoop(() -> {
                guard.cancel(false);
                if (closed || attempt != gen) {
                    return;
                }
                busy = false;
                if (e != null) {
                    failed("cannot prepare sluice.heartbeat on " + to + ": " + message(e));
                } else {
                    backoffNanos = 0;
                    write();
                }
            }));
        }

        private void write() {
            busy = true;
            int gen = ++attempt;
            long seq = history.issue(System.nanoTime());
            ScheduledFuture<?> guard = loop.schedule(() -> abandon(gen, "heartbeat write not answered within "
                    + settings.checkTimeout().toMillis() + " ms"), settings.checkTimeout().toMillis(), TimeUnit.MILLISECONDS);
            client.query("INSERT INTO sluice.heartbeat (id, seq, written_at, server_id) SELECT " + heartbeatId + ", "
                    + seq + ", NOW(6), @@server_id FROM DUAL WHERE @@GLOBAL.read_only = 0 "
                    + "ON DUPLICATE KEY UPDATE seq = " + seq + ", written_at = NOW(6), server_id = @@server_id")
                    .whenComplete((r, e) -> onLoop(() -> {
                        guard.cancel(false);
                        if (closed || attempt != gen) {
                            return;
                        }
                        busy = false;
                        if (e != null) {
                            failed("heartbeat write on " + target + " failed: " + message(e));
                        }
                    }));
        }

        private void abandon(int gen, String why) {
            if (busy && attempt == gen) {
                attempt++;
                busy = false;
                failed(why);
            }
        }

        private void failed(String problem) {
            log.warn("{}; retrying in {} ms", problem, TimeUnit.NANOSECONDS.toMillis(backoffNanos));
            disconnect();
            nextConnectAt = System.nanoTime() + backoffNanos;
            backoffNanos = backoff(backoffNanos);
        }

        void disconnect() {
            attempt++;
            busy = false;
            if (client != null) {
                client.close();
                client = null;
            }
        }
    }
}
