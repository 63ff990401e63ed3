package io.sluice.proxy.gtid;

import io.sluice.protocol.gtid.GtidSet;
import io.sluice.proxy.monitor.MonitorSettings;
import io.sluice.proxy.monitor.MonitoredBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Knows, transaction by transaction, which GTIDs each backend has executed, and tells waiting sessions as soon as a
 * server has what they need. It is what makes read-your-writes on replicas possible without asking the replica first.
 *
 * <h2>Where the sets come from</h2>
 * Every server runs with a binlog and {@code log_slave_updates}, so a server's OWN binlog lists exactly the
 * transactions it has applied, its own and replicated ones. The tracker reads each server's binlog as a replica would
 * (mysql-binlog-connector-java, logging in with the monitor's credentials), seeded first from the server's variable
 * ({@code @@GLOBAL.gtid_binlog_pos} on MariaDB, which is that binlog's position; {@code @@GLOBAL.gtid_executed} on
 * MySQL), and adds a transaction's GTID when the event that completes it arrives ({@link CommitDetector} has the
 * rules; the GTID event alone is not enough). {@link BinlogFollower} has the details of seeding without a gap,
 * reconnecting with backoff and re-seeding, and falling back to polling the variable every monitor interval where the
 * stream cannot be opened (no {@code REPLICATION SLAVE}, binlog off).
 *
 * <p>A caveat for read-your-writes: both servers hand a transaction to binlog readers once it is written (and, with
 * {@code sync_binlog=1}, synced) to the binlog, which in group commit comes just before the storage engine's commit
 * makes it visible to other sessions. A read sent the instant a waiter fires can therefore, rarely and for a moment,
 * miss the transaction. So the stream decides where a read may go, and the server decides whether the read may run:
 * unless an earlier commit wait there already confirmed them ({@link #visible}), the session sends
 * {@code MASTER_GTID_WAIT} (MariaDB) or {@code WAIT_FOR_EXECUTED_GTID_SET} (MySQL) in the same write as the read,
 * which returns at once when the commit is done.
 *
 * <h2>Threads</h2>
 * One thread per server ({@code sluice-gtid-<name>}, a daemon), never a Netty event loop: the binlog client blocks.
 * That thread is the only writer of its server's set. {@link #executed}, {@link #known}, {@link #mode},
 * {@link #flavour} and {@link #stats} are lock-free reads, safe from any thread, including event loops.
 * {@link #await} never blocks: the binlog thread, after publishing a new set, fires the waiters it satisfies on each
 * waiter's own executor (see {@link WaiterRegistry} for why none can be missed or fired twice).
 *
 * <h2>Server ids</h2>
 * A binlog reader is a replica to the server and needs a server id of its own: a second connection with the same id
 * makes the server drop the first. Each follower draws one at random from {@code 0x5C000000 +
 * [0, 2^24)}, far above the ids people give servers, and keeps it for its life (so its own stale dump thread on the
 * server is replaced when it reconnects); several Sluice instances practically never collide.
 *
 * @see <a href="https://mariadb.com/kb/en/gtid/">MariaDB: GTID</a>
 * @see <a href="https://dev.mysql.com/doc/refman/8.4/en/replication-gtids-lifecycle.html">MySQL: GTID life cycle</a>
 */
public final class GtidTracker implements GtidTracking, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GtidTracker.class);
    /** Binlog client server ids are drawn from [BASE, BASE + 2^24). */
    static final long SERVER_ID_BASE = 0x5C00_0000L;
    private static final long CLOSE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** How a server's set is kept up to date right now. */
    public enum Mode {
        /** Following its binlog: the set is current to the transaction. */
        STREAM,
        /** The binlog stream could not be opened; the seed variable is polled every monitor interval. */
        POLLING,
        /** Not connected (starting, unreachable, or between two connections); the set is the last one known. */
        DOWN
    }

    /**
     * A server's counters, for metrics.
     *
     * @param mode                how its set is kept now
     * @param transactionsApplied transactions added to the set from the binlog stream (not counting seeds and polls)
     * @param reconnects          times the set was re-seeded after a connection ended (not counting the first seed)
     * @param lastEventNanos      {@link System#nanoTime()} when the server was last heard from (an event, a heartbeat
     *                            or a poll); 0 if never
     */
    public record Stats(Mode mode, long transactionsApplied, long reconnects, long lastEventNanos) {
    }

    private final WaiterRegistry registry;
    /** Copy-on-write: replaced whole (under this tracker's lock) when a reload adds or removes a server. */
    private volatile Map<String, BinlogFollower> followers;
    private final MonitorSettings settings;
    /** Binlog client server ids in use, so that an added follower draws a fresh one; guarded by this tracker. */
    private final Set<Long> serverIds;
    /** Per server, what its commit waits confirmed; grows by union, written from any session's event loop. */
    private final Map<String, GtidSet> visible = new java.util.concurrent.ConcurrentHashMap<>();

    private GtidTracker(WaiterRegistry registry, Map<String, BinlogFollower> followers, long currentWithinNanos,
                        MonitorSettings settings, Set<Long> serverIds) {
        this.registry = registry;
        this.followers = followers;
        this.currentWithinNanos = currentWithinNanos;
        this.settings = settings;
        this.serverIds = serverIds;
        // On each server's publishing thread, after every publication: when it published what (see lagMillis).
        registry.addListener(server -> {
            PublicationHistory h = histories.get(server);
            if (h != null) {
                h.published(registry.executed(server), System.nanoTime());
            }
        });
        followers.keySet().forEach(name -> histories.put(name, new PublicationHistory()));
    }

    /** Per server, when it published which set; for {@link #lagMillis}. */
    private final Map<String, PublicationHistory> histories = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * How far behind {@code source} the server {@code replica} is, in milliseconds, from the binlog streams alone: 0
     * when it has applied every transaction the source's stream has shown, else the time since the source published
     * the oldest transaction the replica still lacks (to within a millisecond, and not counting the streams' own
     * delay). -1 when it cannot be told: either stream is not {@link #current}, or the replica is further behind than
     * the second or more of history kept. Unlike a heartbeat, which can only say how old the last one it saw is, this
     * reads 0 for an idle replica that is caught up.
     */
    public long lagMillis(String replica, String source) {
        if (replica.equals(source) || !current(replica) || !current(source) || !known(replica)) {
            return -1;
        }
        PublicationHistory h = histories.get(source);
        return h == null ? -1 : h.lagMillis(registry.executed(replica), System.nanoTime());
    }

    /** A streamed server heard from within this is {@link #current}: two heartbeat (monitor) intervals. */
    private final long currentWithinNanos;

    /**
     * Whether the server's set is up to date but for the stream's own delay: its binlog stream is open and was heard
     * from (an event or a heartbeat, sent every monitor interval) within two intervals. A polled, down or silent
     * server's set may be behind by an unknown amount.
     */
    @Override
    public boolean current(String server) {
        BinlogFollower f = followers.get(server);
        if (f == null) {
            return false;
        }
        Stats st = f.stats();
        return st.mode() == Mode.STREAM && System.nanoTime() - st.lastEventNanos() < currentWithinNanos;
    }

    /**
     * Starts following every backend, each on its own thread, and returns at once; each set is unknown (empty) until
     * its server has been seeded.
     *
     * @param settings the monitor's credentials (which need {@code REPLICATION SLAVE} for streaming, and
     *                 {@code BINLOG MONITOR} / {@code REPLICATION CLIENT} for {@code SHOW MASTER STATUS}), its interval
     *                 (polling, heartbeats), timeouts and maximum backoff
     */
    public static GtidTracker start(List<MonitoredBackend> backends, MonitorSettings settings) {
        Objects.requireNonNull(settings, "settings");
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("no backends to track");
        }
        WaiterRegistry registry = new WaiterRegistry(backends.stream().map(MonitoredBackend::name).toList());
        Map<String, BinlogFollower> followers = new LinkedHashMap<>();
        Set<Long> ids = new HashSet<>();
        for (MonitoredBackend b : backends) {
            followers.put(b.name(), new BinlogFollower(b.endpoint(), settings, drawServerId(ids), registry));
        }
        GtidTracker tracker = new GtidTracker(registry, Map.copyOf(followers), settings.interval().toNanos() * 2,
                settings, ids);
        followers.values().forEach(BinlogFollower::start);
        log.info("GTID tracker following {}", backends.stream().map(b -> b.endpoint().toString()).toList());
        return tracker;
    }

    private static long drawServerId(Set<Long> taken) {
        long id;
        do {
            id = SERVER_ID_BASE + ThreadLocalRandom.current().nextInt(1 << 24);
        } while (!taken.add(id));
        return id;
    }

    /**
     * Starts following one more backend (a configuration reload added it), on a thread of its own, and returns at
     * once. Its set is unknown until it is seeded, and until then no consistent read waits on it or is sent to it.
     */
    public synchronized void add(MonitoredBackend backend) {
        if (followers.containsKey(backend.name())) {
            throw new IllegalArgumentException("already tracking " + backend.name());
        }
        histories.put(backend.name(), new PublicationHistory());
        registry.add(backend.name());
        BinlogFollower f = new BinlogFollower(backend.endpoint(), settings, drawServerId(serverIds), registry);
        Map<String, BinlogFollower> next = new LinkedHashMap<>(followers);
        next.put(backend.name(), f);
        followers = Map.copyOf(next);
        f.start();
        log.info("GTID tracker now also following {}", backend.endpoint());
    }

    /**
     * Stops following a backend (a configuration reload removed it) and forgets its set. Returns at once: the
     * follower's socket is closed, which ends its thread; a publication it makes meanwhile is dropped. A name that is
     * not tracked is ignored.
     */
    public synchronized void remove(String server) {
        BinlogFollower f = followers.get(server);
        if (f == null) {
            return;
        }
        Map<String, BinlogFollower> next = new LinkedHashMap<>(followers);
        next.remove(server);
        followers = Map.copyOf(next);
        f.signalClose();
        registry.remove(server);
        visible.remove(server);   // a server added back under this name confirms its commits afresh
        histories.remove(server);
        log.info("GTID tracker no longer following {}", server);
    }

    /** The servers followed now. */
    public Set<String> servers() {
        return followers.keySet();
    }

    /** MariaDB announces itself in its version string ({@code 10.11.6-MariaDB-log}, or after a {@code 5.5.5-} prefix). */
    public static GtidSet.Flavour flavourOf(String serverVersion) {
        return serverVersion != null && serverVersion.contains("MariaDB") ? GtidSet.Flavour.MARIADB
                : GtidSet.Flavour.MYSQL;
    }

    /** The server's executed set as last seen; the empty set if not known yet or not a tracked server. Lock-free. */
    @Override
    public GtidSet executed(String server) {
        return registry.executed(server);
    }

    /**
     * What the server's own commit waits confirmed (see {@link GtidTracking#visible}). Both servers hand a
     * transaction to binlog readers once it is written to the binlog, a moment BEFORE the storage engine commits it
     * (MariaDB's group commit writes and signals the binlog, then runs the engine commits; MySQL's dump threads read
     * up to the position set after the flush stage), and on a loaded server that moment can last milliseconds: a
     * grace period after the stream (1 ms, earlier) still let about one read in 10,000 miss the session's own write.
     * Only the server can say a transaction is committed, so only its answer counts. A set is dropped once the
     * server's binlog no longer contains it (a server rebuilt under the same name).
     */
    @Override
    public GtidSet visible(String server) {
        GtidSet v = visible.get(server);
        if (v == null) {
            return GtidSet.empty();
        }
        if (!registry.executed(server).contains(v)) {
            visible.remove(server, v);
            return GtidSet.empty();
        }
        return v;
    }

    @Override
    public void confirmed(String server, GtidSet gtids) {
        if (gtids.isEmpty() || !followers.containsKey(server)) {
            return;
        }
        visible.merge(server, gtids, (had, more) -> had.contains(more) ? had : more.contains(had) ? more
                : had.union(more));
    }

    /** Whether the server's set has been read at least once (it may since have gone {@link Mode#DOWN}). */
    public boolean known(String server) {
        return registry.known(server);
    }

    /** How the server's set is kept now; {@link Mode#DOWN} for a name that is not tracked. */
    public Mode mode(String server) {
        BinlogFollower f = followers.get(server);
        return f == null ? Mode.DOWN : f.mode();
    }

    /** The server's flavour, from the version of its last greeting; empty until it was first reached. */
    public Optional<GtidSet.Flavour> flavour(String server) {
        BinlogFollower f = followers.get(server);
        return f == null ? Optional.empty() : Optional.ofNullable(f.flavour());
    }

    /** The server's counters; empty for a name that is not tracked. */
    public Optional<Stats> stats(String server) {
        BinlogFollower f = followers.get(server);
        return f == null ? Optional.empty() : Optional.of(f.stats());
    }

    /**
     * Calls {@code onReached.accept(server)} on {@code executor} as soon as any of {@code servers} has executed every
     * transaction in {@code required}: straight away (still through {@code executor}) if one already has. Fires at most
     * once. Never blocks and never polls; the caller keeps its own timeout and {@link Waiter#cancel cancels} when it
     * expires. Names that are not tracked are ignored; with none left, it never fires.
     *
     * @param executor where the callback runs, typically the session's event loop; if it rejects the task (shut down),
     *                 the callback is dropped
     */
    @Override
    public Waiter await(Collection<String> servers, GtidSet required, Executor executor, Consumer<String> onReached) {
        return registry.await(servers, required, executor, onReached);
    }

    /**
     * Calls {@code serverChanged} with a server's name after each change of its set (every transaction in
     * {@link Mode#STREAM}), on that server's binlog thread: it must be quick and must not block.
     */
    public void addListener(Consumer<String> serverChanged) {
        registry.addListener(serverChanged);
    }

    public void removeListener(Consumer<String> serverChanged) {
        registry.removeListener(serverChanged);
    }

    /** The connection id of the server's binlog stream (its thread in {@code SHOW PROCESSLIST}); for tests. */
    long streamConnectionId(String server) {
        BinlogFollower f = followers.get(server);
        return f == null ? 0 : f.streamConnectionId();
    }

    /** Waiters registered on the server and not yet fired or cancelled. */
    int pendingWaiters(String server) {
        return registry.pending(server);
    }

    /**
     * Stops every follower: closes their sockets, which ends each blocking read at once, and waits (up to two seconds
     * in all) for their threads to end. Pending waiters never fire. Idempotent.
     */
    @Override
    public void close() {
        Map<String, BinlogFollower> followers = this.followers;
        followers.values().forEach(BinlogFollower::signalClose);
        long deadline = System.nanoTime() + CLOSE_TIMEOUT_NANOS;
        try {
            for (BinlogFollower f : followers.values()) {
                if (!f.awaitTermination(deadline)) {
                    log.warn("GTID tracker thread for {} did not stop within {} ms", f.name(),
                            TimeUnit.NANOSECONDS.toMillis(CLOSE_TIMEOUT_NANOS));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
