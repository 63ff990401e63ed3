package io.sluice.proxy.failover;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.sluice.protocol.gtid.GtidSet;
import io.sluice.proxy.backend.BackendEndpoint;
import io.sluice.proxy.backend.QueryClient;
import io.sluice.proxy.config.BackendConfig;
import io.sluice.proxy.config.FailoverConfig;
import io.sluice.proxy.monitor.Monitor;
import io.sluice.proxy.monitor.MonitoredBackend;
import io.sluice.proxy.monitor.Observation;
import io.sluice.routing.topology.Role;
import io.sluice.routing.topology.ServerView;
import io.sluice.routing.topology.TopologySnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Failover: when the source is dead, fences it, promotes the replica that has every transaction the others have,
 * repoints the other replicas at it, and republishes the topology so that writes go there; later fences the old source
 * on the server itself when it comes back. It exists whenever there is a monitor, whatever {@code failover.mode}:
 * <ul>
 *   <li>{@code auto}: the {@link FailureDetector} declaring the source dead starts one;</li>
 *   <li>every mode: an operator starts one with {@link #force} ({@code FAILOVER [TO <name>]} on the admin interface):
 *       with {@code off} or {@code follow}, or in {@code auto} when the anti-flap {@code min_interval} held the
 *       detector back. Refused while the source still answers Sluice ({@link #switchover} moves a live source).</li>
 * </ul>
 *
 * <h2>Steps, each logged at INFO with its time</h2>
 * <ol>
 *   <li>Fence: the old source leaves the topology the router sees ({@link #topology}: no role, unreachable) for
 *       good. Sluice never sends it a statement again, even if it comes back writable (a split brain).</li>
 *   <li>Catch up: every surviving replica applies what its IO thread already received (its SQL thread reports that
 *       it has read all its relay log), for at most {@code failover.catchup_timeout}.</li>
 *   <li>Choose: the servers' executed GTID sets are read from the servers themselves (not the tracker's, which lags
 *       by a binlog event); the candidate whose set contains every other survivor's wins, ties broken by
 *       {@code priority}, then configuration order. {@code candidate: false} never wins. If no candidate contains
 *       the others (e.g. a {@code candidate: false} replica received more), the candidate with the best priority
 *       catches up first, as MHA does with relay logs: it replicates from the most advanced survivor with GTID
 *       auto-positioning until it has applied all of that server's set ({@code MASTER_GTID_WAIT},
 *       {@code WAIT_FOR_EXECUTED_GTID_SET}), for at most {@code failover.catchup_timeout}; if it cannot, nothing is
 *       promoted.</li>
 *   <li>Promote: {@code STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = 0} ({@code STOP REPLICA},
 *       {@code RESET REPLICA ALL} and {@code super_read_only} on MySQL), then publish it as the source at once,
 *       without waiting for the monitor's next check. If the replicas ran
 *       semi-synchronous replication, the promoted server's source side of it is turned on first (and the replica
 *       side on every repointed replica), so that no write is acknowledged by the new source alone.</li>
 *   <li>Repoint every other replica with GTID auto-positioning ({@code MASTER_USE_GTID=slave_pos};
 *       {@code SOURCE_AUTO_POSITION=1}), and verify that both its threads run.</li>
 * </ol>
 *
 * <h2>The old source coming back</h2>
 * It is set {@code read_only} (and {@code super_read_only} on MySQL), and its executed set compared with the new
 * source's: what only it has is errant (committed there, never replicated), reported at ERROR and in
 * {@link #errant()}, and it stays fenced. Without errant transactions and with {@code failover.rejoin: true} it is
 * made a replica of the new source and unfenced.
 *
 * <h2>Threads</h2>
 * Detection runs on the monitor's event loop (its check listener); every SQL statement of a failover runs on one
 * thread of its own, blocking on its answers with timeouts, never on an event loop. This class is the only writer
 * of roles during a failover: the monitor's view is overlaid by {@link #topology}.
 */
public final class Failover implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Failover.class);
    private static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration VERIFY_TIMEOUT = Duration.ofSeconds(5);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final FailoverConfig config;
    /** Replaced whole by {@link #backends(List)} when a reload adds or removes a backend. */
    private volatile List<BackendConfig> backends;
    private final Monitor monitor;
    private final EventLoopGroup group;
    private final Class<? extends Channel> channelType;
    private final SslContext tls;
    private final String user;
    private final String password;
    private final ExecutorService worker;
    /** Confined to the monitor's event loop. */
    private final FailureDetector detector;
    /**
     * Fenced servers whose return is being or was handled since they were last seen down; the failover thread takes
     * one out again when handling it failed, so that the next check retries.
     */
    private final Set<String> returnHandled = ConcurrentHashMap.newKeySet();
    private FailureDetector.Kind lastKind = FailureDetector.Kind.HEALTHY;

    private final Set<String> fenced = ConcurrentHashMap.newKeySet();
    private final Map<String, String> errant = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();
    private final AtomicInteger completed = new AtomicInteger();
    private volatile String promoted;
    /** The monitor's snapshot version when {@link #promoted} was set: a later one may say it is gone. */
    private volatile long promotedAtVersion;
    private volatile io.sluice.proxy.session.Promotion lastPromotion;
    /** A failover or switchover runs (set before it is queued, so that a second one is refused, not queued). */
    private final AtomicBoolean busy = new AtomicBoolean();
    /** The last source the detector watched, for a forced failover once the monitor no longer names it. */
    private volatile String lastSource;
    /** When a forced failover started, for the detector's anti-flap interval; 0 once the detector knows. */
    private volatile long forcedAtNanos;
    private volatile long lastDurationMillis = -1;
    private volatile String replicationUser;
    private volatile Applied applied;

    private record Applied(TopologySnapshot raw, long generation, TopologySnapshot result) {
    }

    private Failover(FailoverConfig config, List<BackendConfig> backends, Monitor monitor, EventLoopGroup group,
                     Class<? extends Channel> channelType, SslContext tls, String user, String password) {
        this.config = config;
        this.backends = List.copyOf(backends);
        this.monitor = monitor;
        this.group = group;
        this.channelType = channelType;
        this.tls = tls;
        this.user = user;
        this.password = password;
        this.replicationUser = config.replicationUser();
        this.detector = new FailureDetector(backends.stream().map(MonitoredBackend::from).toList(),
                config.failcount(), config.minInterval());
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sluice-failover");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts watching the monitor's checks: in {@code auto} a dead source is failed over; in {@code follow} and
     * {@code off} it is only reported, and {@link #force} promotes on an operator's word.
     *
     * @param user     the monitor's account, which needs the rights to promote (REPLICATION SLAVE ADMIN,
     *                 READ_ONLY ADMIN or SUPER on MariaDB; REPLICATION_SLAVE_ADMIN, SYSTEM_VARIABLES_ADMIN on MySQL)
     */
    public static Failover start(FailoverConfig config, List<BackendConfig> backends, Monitor monitor,
                                 EventLoopGroup group, Class<? extends Channel> channelType, SslContext tls,
                                 String user, String password) {
        Failover f = new Failover(config, backends, monitor, group, channelType, tls, user, password);
        monitor.addListener(f::topologyChanged);
        monitor.addCheckListener(f::checked);
        log.info("failover: {}", config);
        return f;
    }

    /**
     * A configuration reload changed the backends (added, removed, or their {@code candidate} / {@code priority}):
     * failovers and switchovers that start from now on choose among {@code next}.
     */
    public void backends(List<BackendConfig> next) {
        backends = List.copyOf(next);
        detector.backends(next.stream().map(MonitoredBackend::from).toList());
    }

    /** The monitor's snapshots with fenced servers taken out and a just-promoted source put in. */
    public Supplier<TopologySnapshot> topology(Supplier<TopologySnapshot> raw) {
        return () -> apply(raw.get());
    }

    /** The last failover that promoted a server, or null: sessions learn from it whether their writes survived. */
    public io.sluice.proxy.session.Promotion lastPromotion() {
        return lastPromotion;
    }

    /** Whether a failover or switchover is running now. */
    public boolean inProgress() {
        return busy.get();
    }

    /** Servers Sluice will not route to because they were a source that failed. */
    public Set<String> fenced() {
        return Set.copyOf(fenced);
    }

    /** Errant transactions found on old sources that came back, by server. */
    public Map<String, String> errant() {
        return Map.copyOf(errant);
    }

    /** How long the last failover took, from the verdict to its end, in milliseconds; -1 before any. */
    public long lastDurationMillis() {
        return lastDurationMillis;
    }

    /** Failovers that promoted a server. */
    public int failovers() {
        return completed.get();
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }

    TopologySnapshot apply(TopologySnapshot raw) {
        String up = promoted;
        if (fenced.isEmpty() && up == null) {
            return raw;
        }
        long g = generation.get();
        Applied a = applied;
        if (a != null && a.raw() == raw && a.generation() == g) {
            return a.result();
        }
        List<ServerView> servers = new ArrayList<>(raw.servers().size());
        for (ServerView v : raw.servers()) {
            if (fenced.contains(v.name())) {
                servers.add(new ServerView(v.name(), Role.UNKNOWN, false, false, -1, v.weight(), v.readOnly()));
            } else if (v.name().equals(up) && !v.reachable() && raw.version() > promotedAtVersion) {
                // Promoted, then lost before the monitor ever named it the source: no source until it answers.
                servers.add(v);
            } else if (v.name().equals(up)) {
                servers.add(new ServerView(v.name(), Role.SOURCE, true, false, 0, v.weight(), false));
            } else if (up != null && v.role() == Role.SOURCE) {
                servers.add(new ServerView(v.name(), Role.UNKNOWN, v.reachable(), v.replicating(), v.lagMillis(),
                        v.weight(), v.readOnly()));
            } else {
                servers.add(v);
            }
        }
        TopologySnapshot result = new TopologySnapshot(raw.version(), servers);
        applied = new Applied(raw, g, result);
        return result;
    }

    // ---- on the monitor's event loop

    private void topologyChanged(TopologySnapshot t) {
        t.source().ifPresent(s -> {
            if (fenced.contains(s.name())) {
                return;
            }
            if (!s.name().equals(detector.watched())) {
                detector.watch(s.name());
                lastSource = s.name();
                lastKind = FailureDetector.Kind.HEALTHY;
            }
            if (s.name().equals(promoted)) {
                // The monitor sees it now; its view needs no overlay any more.
                promoted = null;
                generation.incrementAndGet();
            }
        });
    }

    private void checked(String server, Observation o) {
        if (fenced.contains(server)) {
            if (!o.reachable()) {
                returnHandled.remove(server);
            } else if (!busy.get() && returnHandled.add(server)) {
                worker.execute(() -> oldSourceReturned(server));
            }
            return;
        }
        String up = promoted;
        if (up != null && !up.equals(detector.watched())) {
            // Published before the monitor names it: watched from now, so that its death is noticed too.
            detector.watch(up);
            lastKind = FailureDetector.Kind.HEALTHY;
        }
        if (detector.watched() == null) {
            // Started after the monitor's first snapshot: no change has named the source to this listener yet.
            monitor.current().source().filter(v -> !fenced.contains(v.name())).ifPresent(v -> {
                detector.watch(v.name());
                lastSource = v.name();
            });
        }
        long now = System.nanoTime();
        long forcedAt = forcedAtNanos;
        if (forcedAt != 0) {
            // An operator failed over: the anti-flap interval runs from then, as after an automatic one.
            detector.failedOver(forcedAt);
            forcedAtNanos = 0;
        }
        String watched = detector.watched();
        FailureDetector.Verdict v = detector.checked(server, o, now);
        if (watched != null && fenced.contains(watched)) {
            // Failed over already; nothing to conclude until the monitor names the new source.
            lastKind = FailureDetector.Kind.HEALTHY;
            return;
        }
        FailureDetector.Kind before = lastKind;
        lastKind = v.kind();
        if (config.mode() != FailoverConfig.Mode.AUTO
                && (v.kind() == FailureDetector.Kind.DEAD || v.kind() == FailureDetector.Kind.SUPPRESSED)) {
            // Nothing automatic in off and follow, anti-flap or not: say once what the operator can do.
            if (before != FailureDetector.Kind.DEAD && before != FailureDetector.Kind.SUPPRESSED) {
                log.error("failover: source {} is dead ({}); failover.mode is {}: FAILOVER on the admin interface "
                        + "promotes a replica", detector.watched(), v.why(), config.mode().text());
            }
            return;
        }
        switch (v.kind()) {
            case HEALTHY -> {
                if (before != FailureDetector.Kind.HEALTHY) {
                    log.info("failover: source {} answers again", detector.watched());
                }
            }
            case SUSPECT -> {
                if (before != FailureDetector.Kind.SUSPECT) {
                    log.info("failover: source {} suspected: {}", detector.watched(), v.why());
                }
            }
            case SUPPRESSED -> {
                if (before != FailureDetector.Kind.SUPPRESSED) {
                    log.error("failover: source {} is dead ({}); not failing over again automatically: an operator"
                            + " must act (FAILOVER on the admin interface)", detector.watched(), v.why());
                }
            }
            case DEAD -> {
                if (busy.compareAndSet(false, true)) {
                    detector.failedOver(now);
                    String dead = detector.watched();
                    worker.execute(() -> automatic(dead, v.why(), now));
                }
            }
        }
    }

    /**
     * An operator-forced failover ({@code FAILOVER [TO <name>]} on the admin interface), in any mode: the same steps
     * as an automatic one, from the source the router saw last, which must not answer Sluice (a live source is moved
     * with {@link #switchover}, which loses nothing). Refused at once while a failover or switchover runs.
     *
     * @param target the server to promote, or null for the one the automatic failover would choose
     * @return completes with what was done, or fails with a {@link Refused} saying why nothing was promoted
     */
    public CompletableFuture<Outcome> force(String target) {
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        if (!busy.compareAndSet(false, true)) {
            result.completeExceptionally(new Refused(Refused.Reason.IN_PROGRESS,
                    "a failover or switchover is running"));
            return result;
        }
        try {
            worker.execute(() -> {
                try {
                    result.complete(forced(target));
                } catch (Refused e) {
                    result.completeExceptionally(e);
                } catch (RuntimeException e) {
                    log.error("forced failover failed", e);
                    result.completeExceptionally(new Refused(Refused.Reason.FAILED, String.valueOf(e)));
                } finally {
                    busy.set(false);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            busy.set(false);
            result.completeExceptionally(new Refused(Refused.Reason.FAILED, "Sluice is shutting down"));
        }
        return result;
    }

    // ---- on the failover thread

    private void automatic(String dead, String why, long detectedAt) {
        try {
            failover(dead, why, detectedAt, null);
        } catch (FailoverException e) {
            // Logged with its step; an operator must act.
        } finally {
            busy.set(false);
        }
    }

    private Outcome forced(String target) throws Refused {
        long t0 = System.nanoTime();
        String dead = apply(monitor.current()).source().map(ServerView::name).orElse(lastSource);
        if (dead == null || fenced.contains(dead)) {
            throw new Refused(Refused.Reason.NO_SOURCE, "Sluice has seen no source to fail over from");
        }
        if (target != null) {
            if (backends.stream().noneMatch(b -> b.name().equals(target))) {
                throw new Refused(Refused.Reason.BAD_TARGET, "no backend is named " + target + " (the backends are "
                        + String.join(", ", backends.stream().map(BackendConfig::name).toList()) + ")");
            }
            if (target.equals(dead)) {
                throw new Refused(Refused.Reason.BAD_TARGET, target + " is the source that failed");
            }
            if (!backend(target).candidate()) {
                throw new Refused(Refused.Reason.BAD_TARGET, target + " has candidate: false");
            }
        }
        // The operator's word that the source is dead is checked against Sluice's own: a source that answers is
        // moved with SWITCHOVER, which waits for the replicas and loses nothing.
        try {
            Node n = connect(backend(dead));
            try {
                n.query("SELECT 1");
            } finally {
                n.close();
            }
            throw new Refused(Refused.Reason.SOURCE_REACHABLE, "the source " + dead + " answers Sluice");
        } catch (FailoverException e) {
            log.info("failover: forced by an operator; source {} does not answer: {}", dead, e.getMessage());
        }
        forcedAtNanos = t0;
        try {
            return failover(dead, "forced by an operator", t0, target);
        } catch (FailoverException e) {
            throw new Refused(Refused.Reason.FAILED, e.getMessage());
        }
    }

    /** The steps of a failover; logs what it did, or at which step and why it stopped, then throws. */
    private Outcome failover(String dead, String why, long detectedAt, String target) throws FailoverException {
        long t0 = System.nanoTime();
        Map<String, Node> nodes = new LinkedHashMap<>();
        String step = "fence";
        boolean promotedOne = false;
        try {
            fenced.add(dead);
            generation.incrementAndGet();
            log.info("failover: source {} declared dead ({}); fenced: Sluice routes nothing to it any more", dead,
                    why);

            step = "connect";
            for (BackendConfig b : backends) {
                if (fenced.contains(b.name())) {
                    continue;
                }
                try {
                    nodes.put(b.name(), connect(b));
                } catch (FailoverException e) {
                    log.warn("failover: {} unreachable, left out: {}", b.name(), e.getMessage());
                }
            }
            if (nodes.isEmpty()) {
                throw new FailoverException("no other server is reachable");
            }
            log.info("failover: connected to {} in {} ms", nodes.keySet(), ms(t0));

            step = "catch up";
            long t1 = System.nanoTime();
            catchUp(nodes.values());
            log.info("failover: relay logs applied in {} ms", ms(t1));

            step = "choose";
            Map<String, GtidSet> executed = new LinkedHashMap<>();
            for (Node n : nodes.values()) {
                executed.put(n.name, n.executed());
            }
            Node winner = choose(nodes, executed, target);
            if (!executed.values().stream().allMatch(executed.get(winner.name)::contains)) {
                step = "catch up from the most advanced replica";
                catchUpFrom(winner, nodes, executed);
            }
            log.info("failover: promoting {} (executed {}); others: {}", winner.name, executed.get(winner.name),
                    executed);
            boolean semiSync = reportSemiSync(nodes.values());

            step = "promote";
            long t2 = System.nanoTime();
            winner.exec(winner.dialect.stopReplica());
            winner.exec(winner.dialect.resetReplica());
            if (semiSync) {
                semiSyncSource(winner);
            }
            for (String sql : winner.dialect.writable()) {
                winner.exec(sql);
            }
            promotedAtVersion = monitor.current().version();
            promoted = winner.name;
            lastSource = winner.name;
            promotedOne = true;
            generation.incrementAndGet();
            int count = completed.incrementAndGet();
            lastPromotion = new io.sluice.proxy.session.Promotion(count, dead, winner.name, executed.get(winner.name));
            log.info("failover: {} promoted and published as the source in {} ms ({} ms after the source was "
                    + "declared dead)", winner.name, ms(t2), ms(detectedAt));

            step = "repoint";
            BackendConfig newSource = backend(winner.name);
            List<String> repointed = new ArrayList<>();
            for (Node n : nodes.values()) {
                if (n == winner || !n.replica) {
                    continue;
                }
                long t3 = System.nanoTime();
                try {
                    repoint(n, newSource, n.dialect.autoPosition(false), semiSync);
                    repointed.add(n.name);
                    log.info("failover: {} replicates from {} (repointed and verified in {} ms)", n.name,
                            winner.name, ms(t3));
                } catch (FailoverException e) {
                    log.error("failover: repointing {} at {} failed: {}", n.name, winner.name, e.getMessage());
                }
            }
            lastDurationMillis = ms(detectedAt);
            log.info("failover from {} to {} done in {} ms ({} ms after the source was declared dead)", dead,
                    winner.name, ms(t0), lastDurationMillis);
            return new Outcome(dead, winner.name, lastDurationMillis, repointed, semiSync);
        } catch (FailoverException e) {
            log.error("failover from {} stopped at step '{}' after {} ms: {}; an operator must act", dead, step,
                    ms(t0), e.getMessage());
            throw e;
        } catch (RuntimeException e) {
            log.error("failover from {} failed at step '{}' after {} ms", dead, step, ms(t0), e);
            throw new FailoverException("step '" + step + "' failed: " + e);
        } finally {
            nodes.values().forEach(Node::close);
            if (!promotedOne && fenced.remove(dead)) {
                // Nothing else was made writable: the old source is still the only writer, and the one to use if it
                // comes back. (A second try within min_interval is left to an operator.)
                generation.incrementAndGet();
                log.warn("failover: nothing promoted; {} is not fenced any more", dead);
            }
        }
    }

    /** Waits until each replica's SQL thread has applied its whole relay log, or catchup_timeout. */
    private void catchUp(Iterable<Node> nodes) throws FailoverException {
        long deadline = System.nanoTime() + config.catchupTimeout().toNanos();
        List<Node> pending = new ArrayList<>();
        for (Node n : nodes) {
            pending.add(n);
        }
        while (!pending.isEmpty()) {
            for (var it = pending.iterator(); it.hasNext(); ) {
                Node n = it.next();
                QueryClient.Result status = n.query(n.dialect.status());
                if (status.rows().isEmpty()) {
                    it.remove(); // not a replica: nothing to apply
                    continue;
                }
                n.replica = true;
                String masterUser = cell(status, "Master_User", "Source_User");
                if (config.replicationUser().isEmpty() && masterUser != null && !masterUser.isEmpty()) {
                    replicationUser = masterUser;
                }
                String sqlRunning = cell(status, "Slave_SQL_Running", "Replica_SQL_Running");
                String state = cell(status, "Slave_SQL_Running_State", "Replica_SQL_Running_State");
                if (!"Yes".equals(sqlRunning)) {
                    log.warn("failover: {}'s SQL thread is not running ({}); it applies nothing more",
                            n.name, cell(status, "Last_SQL_Error"));
                    it.remove();
                } else if (state != null && n.dialect.relayLogApplied(state)) {
                    it.remove();
                }
            }
            if (pending.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                log.warn("failover: {} still applying relay log after catchup_timeout {}; choosing with what they "
                        + "have", pending.stream().map(n -> n.name).toList(), config.catchupTimeout());
                return;
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /**
     * Says whether this failover can have lost acknowledged writes. With semi-synchronous replication the source
     * acknowledged a commit only once a semi-sync replica had it, and the promoted server has everything every
     * survivor has; without it, a commit acknowledged by the source alone is lost with it. (Unless the source had
     * fallen back to asynchronous after {@code rpl_semi_sync_master_timeout}, which only it could tell.)
     */
    private boolean reportSemiSync(Iterable<Node> nodes) {
        List<String> semiSync = new ArrayList<>();
        for (Node n : nodes) {
            if (!n.replica) {
                continue;
            }
            try {
                String on = n.query(n.dialect.semiSyncReplicaEnabled()).rows().get(0).get(0);
                if ("1".equals(on) || "ON".equalsIgnoreCase(on)) {
                    semiSync.add(n.name);
                }
            } catch (FailoverException e) {
                // No such variable: the semi-sync plugin is not loaded (MySQL), so it is off.
            }
        }
        if (semiSync.isEmpty()) {
            log.warn("failover: no replica runs semi-synchronous replication: writes acknowledged by the old source "
                    + "alone may be lost");
            return false;
        }
        log.info("failover: semi-synchronous replicas {}: every write the old source acknowledged in semi-sync "
                + "mode is on the promoted server", semiSync);
        return true;
    }

    /**
     * The old source ran semi-synchronous replication (its replicas acknowledged): the promoted server does too, so
     * that the guarantee outlives the failover. Turned on before it is published: its first commits wait (at most
     * the server's {@code rpl_semi_sync_master_timeout}) for a repointed replica's acknowledgement rather than being
     * acknowledged by it alone.
     */
    private void semiSyncSource(Node winner) {
        try {
            winner.exec(winner.dialect.semiSyncSourceOn());
            log.info("failover: semi-synchronous replication turned on on the promoted server {}", winner.name);
        } catch (FailoverException e) {
            log.warn("failover: cannot turn on semi-synchronous replication on {} (is its plugin loaded?): {}; its "
                    + "commits are acknowledged without a replica's", winner.name, e.getMessage());
        }
    }

    /** Whether the source side of semi-synchronous replication is on; false when its plugin is not loaded (MySQL). */
    private static boolean semiSyncSourceEnabled(Node source) {
        try {
            String on = source.query(source.dialect.semiSyncSourceEnabled()).rows().get(0).get(0);
            return "1".equals(on) || "ON".equalsIgnoreCase(on);
        } catch (FailoverException e) {
            return false;
        }
    }

    /**
     * The server to promote: {@code target} if the operator named one; else the candidate with the best priority
     * among those that contain every survivor's transactions; else (none does) the candidate with the best priority,
     * which {@link #catchUpFrom} then brings level with the most advanced survivor.
     */
    private Node choose(Map<String, Node> nodes, Map<String, GtidSet> executed, String target)
            throws FailoverException {
        if (target != null) {
            Node n = nodes.get(target);
            if (n == null) {
                throw new FailoverException(target + " is not reachable");
            }
            if (!n.replica) {
                throw new FailoverException(target + " is not a replica");
            }
            return n;
        }
        Node best = null;
        int bestPriority = -1;
        for (Node n : nodes.values()) {
            BackendConfig b = backend(n.name);
            if (!b.candidate() || !n.replica) {
                continue;
            }
            GtidSet mine = executed.get(n.name);
            boolean hasAll = executed.values().stream().allMatch(mine::contains);
            if (hasAll && b.priority() > bestPriority) {
                best = n;
                bestPriority = b.priority();
            }
        }
        if (best != null) {
            return best;
        }
        for (Node n : nodes.values()) {
            BackendConfig b = backend(n.name);
            if (b.candidate() && n.replica && (best == null || b.priority() > bestPriority)) {
                best = n;
                bestPriority = b.priority();
            }
        }
        if (best == null) {
            throw new FailoverException("no reachable replica may be promoted (candidate: false, or not a replica): "
                    + executed);
        }
        log.info("failover: no candidate has every transaction the others have ({}); {} catches up first", executed,
                best.name);
        return best;
    }

    /**
     * MHA's recovery from the other replicas' relay logs, done with GTIDs: {@code candidate} lacks transactions that
     * another survivor has, so it replicates from the most advanced survivor (one that contains every survivor's
     * set) with GTID auto-positioning until it has applied that server's whole set, for at most
     * {@code catchup_timeout}. On return {@code executed} holds its new set, which contains every survivor's.
     */
    private void catchUpFrom(Node candidate, Map<String, Node> nodes, Map<String, GtidSet> executed)
            throws FailoverException {
        long t0 = System.nanoTime();
        Node donor = null;
        for (Node n : nodes.values()) {
            if (n != candidate && executed.values().stream().allMatch(executed.get(n.name)::contains)) {
                donor = n;
                break;
            }
        }
        if (donor == null) {
            throw new FailoverException("no survivor has every transaction the others have (they diverged): "
                    + executed);
        }
        String position = donor.query(donor.dialect.executed()).rows().get(0).get(0).replaceAll("\\s+", "");
        log.info("failover: {} lacks {}; it replicates from {} until it has applied {}", candidate.name,
                executed.get(donor.name).subtract(executed.get(candidate.name)), donor.name, position);
        repoint(candidate, backend(donor.name), candidate.dialect.autoPosition(false));
        String waited = candidate.query(candidate.dialect.waitFor(position, config.catchupTimeout()),
                config.catchupTimeout().plus(STATEMENT_TIMEOUT)).rows().get(0).get(0);
        if (!"0".equals(waited)) {
            throw new FailoverException(candidate.name + " did not apply " + position + " from " + donor.name
                    + " within catchup_timeout " + config.catchupTimeout().toMillis() + " ms");
        }
        GtidSet now = candidate.executed();
        executed.put(candidate.name, now);
        if (!executed.values().stream().allMatch(now::contains)) {
            throw new FailoverException(candidate.name + " caught up with " + donor.name + " but still lacks "
                    + "transactions: " + executed);
        }
        log.info("failover: {} caught up with {} in {} ms", candidate.name, donor.name, ms(t0));
    }

    private void repoint(Node n, BackendConfig target, String positioning) throws FailoverException {
        repoint(n, target, positioning, false);
    }

    /**
     * Points {@code n} at {@code target} and verifies that both its threads run; with {@code semiSync}, turns on the
     * replica side of semi-synchronous replication first (it takes effect when the IO thread starts).
     */
    private void repoint(Node n, BackendConfig target, String positioning, boolean semiSync) throws FailoverException {
        n.exec(n.dialect.stopReplica());
        n.exec(n.dialect.changeSource(target.address().host(), target.address().port(), replicationUser,
                config.replicationPassword(), positioning));
        if (semiSync) {
            try {
                n.exec(n.dialect.semiSyncReplicaOn());
            } catch (FailoverException e) {
                log.warn("failover: {}: cannot turn on semi-synchronous replication (is its plugin loaded?): {}",
                        n.name, e.getMessage());
            }
        }
        n.exec(n.dialect.startReplica());
        long deadline = System.nanoTime() + VERIFY_TIMEOUT.toNanos();
        while (true) {
            QueryClient.Result status = n.query(n.dialect.status());
            String io = status.rows().isEmpty() ? null : cell(status, "Slave_IO_Running", "Replica_IO_Running");
            String sql = status.rows().isEmpty() ? null : cell(status, "Slave_SQL_Running", "Replica_SQL_Running");
            if ("Yes".equals(io) && "Yes".equals(sql)) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new FailoverException(n.name + " does not replicate from " + target.name() + " (io=" + io
                        + ", sql=" + sql + ", " + cell(status, "Last_IO_Error") + " " + cell(status, "Last_SQL_Error")
                        + ")");
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /**
     * A planned switchover to {@code target}, with no loss: writes are held (the source leaves the router's
     * topology, so they wait up to {@code write_hold}), the source is set read_only, the target applies everything
     * the source has, is promoted and published, and the old source and the other replicas are repointed at it. Runs
     * on the failover thread; the future completes with a one-line summary, or fails with the reason nothing (or
     * what) changed.
     */
    public java.util.concurrent.CompletableFuture<String> switchover(String target) {
        java.util.concurrent.CompletableFuture<String> result = new java.util.concurrent.CompletableFuture<>();
        worker.execute(() -> {
            try {
                result.complete(runSwitchover(target));
            } catch (FailoverException e) {
                result.completeExceptionally(e);
            } catch (RuntimeException e) {
                log.error("switchover to {} failed", target, e);
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private String runSwitchover(String target) throws FailoverException {
        if (!busy.compareAndSet(false, true)) {
            throw new FailoverException("a failover is running");
        }
        try {
            return switchoverSteps(target);
        } finally {
            busy.set(false);
        }
    }

    /** Statements running on a server now, from the sessions' routes; set by {@link #inFlight}. */
    private volatile java.util.function.ToIntFunction<String> inFlight = server -> 0;

    /** Where a switchover learns how many statements run on the old source (the sessions' own count). */
    public void inFlight(java.util.function.ToIntFunction<String> statementsRunningOn) {
        this.inFlight = java.util.Objects.requireNonNull(statementsRunningOn, "statementsRunningOn");
    }

    /**
     * Once writes are held, the statements the router sent to the old source before that finish there: a write that
     * reached it after {@code read_only} would fail (ER 1290) instead of waiting for the new source. One poll first, so
     * that a statement routed just before the hold has counted itself; then until none runs, for at most
     * {@link #STATEMENT_TIMEOUT} (a long statement is then left to {@code read_only}'s own wait for transactions).
     */
    private void awaitStatementsEnded(String server) {
        long deadline = System.nanoTime() + STATEMENT_TIMEOUT.toNanos();
        do {
            LockSupport.parkNanos(POLL_NANOS);
        } while (inFlight.applyAsInt(server) > 0 && System.nanoTime() - deadline < 0);
        int left = inFlight.applyAsInt(server);
        if (left > 0) {
            log.warn("switchover: {} statement(s) still running on {} after {} ms; setting read_only anyway", left,
                    server, STATEMENT_TIMEOUT.toMillis());
        }
    }

    private String switchoverSteps(String target) throws FailoverException {
        String old = apply(monitor.current()).source().map(ServerView::name)
                .orElseThrow(() -> new FailoverException("there is no source to switch over from"));
        BackendConfig targetConfig = backends.stream().filter(b -> b.name().equals(target)).findFirst()
                .orElseThrow(() -> new FailoverException("no backend is named " + target));
        if (target.equals(old)) {
            throw new FailoverException(target + " is the source already");
        }
        if (!targetConfig.candidate()) {
            throw new FailoverException(target + " has candidate: false");
        }
        long t0 = System.nanoTime();
        Map<String, Node> nodes = new LinkedHashMap<>();
        boolean promotedOne = false;
        try {
            for (BackendConfig b : backends) {
                if (!fenced.contains(b.name())) {
                    nodes.put(b.name(), connect(b));
                }
            }
            Node source = nodes.get(old);
            Node winner = nodes.get(target);
            winner.replica = !winner.query(winner.dialect.status()).rows().isEmpty();
            if (!winner.replica) {
                throw new FailoverException(target + " is not a replica");
            }
            String masterUser = cell(winner.query(winner.dialect.status()), "Master_User", "Source_User");
            if (config.replicationUser().isEmpty() && masterUser != null && !masterUser.isEmpty()) {
                replicationUser = masterUser;
            }
            // From here writes wait in the sessions: the router sees no source.
            fenced.add(old);
            generation.incrementAndGet();
            awaitStatementsEnded(old);
            log.info("switchover: writes held; setting {} read_only", old);
            source.query("SET SESSION lock_wait_timeout = 5");
            boolean semiSync = semiSyncSourceEnabled(source);
            for (String sql : source.dialect.readOnly()) {
                source.exec(sql);
            }
            String position = source.query(source.dialect == Dialect.MARIADB ? "SELECT @@GLOBAL.gtid_binlog_pos"
                    : "SELECT @@GLOBAL.gtid_executed").rows().get(0).get(0).replaceAll("\\s+", "");
            String waited = winner.query(winner.dialect.waitFor(position, config.catchupTimeout()),
                    config.catchupTimeout().plus(STATEMENT_TIMEOUT)).rows().get(0).get(0);
            if (!"0".equals(waited)) {
                throw new FailoverException(target + " did not apply " + position + " within "
                        + config.catchupTimeout().toMillis() + " ms");
            }
            log.info("switchover: {} has applied {} ({} ms after writes were held)", target, position, ms(t0));
            winner.exec(winner.dialect.stopReplica());
            winner.exec(winner.dialect.resetReplica());
            if (semiSync) {
                semiSyncSource(winner);
            }
            for (String sql : winner.dialect.writable()) {
                winner.exec(sql);
            }
            promotedAtVersion = monitor.current().version();
            promoted = target;
            lastSource = target;
            promotedOne = true;
            generation.incrementAndGet();
            log.info("switchover: {} promoted and published; writes resume ({} ms after they were held)", target,
                    ms(t0));
            repoint(source, targetConfig, source.dialect.autoPosition(true), semiSync);
            fenced.remove(old);
            generation.incrementAndGet();
            List<String> repointed = new ArrayList<>(List.of(old));
            for (Node n : nodes.values()) {
                if (n == winner || n == source || n.query(n.dialect.status()).rows().isEmpty()) {
                    continue;
                }
                repoint(n, targetConfig, n.dialect.autoPosition(false), semiSync);
                repointed.add(n.name);
            }
            String summary = "switched over from " + old + " to " + target + " in " + ms(t0) + " ms; " + repointed
                    + " replicate from " + target;
            log.info("switchover: {}", summary);
            return summary;
        } finally {
            nodes.values().forEach(Node::close);
            if (!promotedOne && fenced.removeIf(n -> n.equals(old))) {
                generation.incrementAndGet();
                log.warn("switchover to {} abandoned; {} is the source again (set read_only = 0 on it if it was set)",
                        target, old);
            }
        }
    }

    /** The old source answers again: make it read-only, look for errant transactions, rejoin it if asked. */
    private void oldSourceReturned(String old) {
        long t0 = System.nanoTime();
        Node n = null;
        Node source = null;
        try {
            n = connect(backend(old));
            for (String sql : n.dialect.readOnly()) {
                n.exec(sql);
            }
            log.info("failover: old source {} is back; set read_only (it stays fenced)", old);
            String current = monitor.current().source().map(ServerView::name).orElse(promoted);
            if (current == null || current.equals(old)) {
                log.warn("failover: no new source to compare {} with yet", old);
                return;
            }
            source = connect(backend(current));
            String mine;
            String theirs;
            String extra;
            if (n.dialect == Dialect.MARIADB) {
                mine = n.query("SELECT @@GLOBAL.gtid_binlog_pos").rows().get(0).get(0);
                theirs = source.query("SELECT @@GLOBAL.gtid_binlog_state").rows().get(0).get(0);
                extra = mariaDbErrant(mine, theirs);
            } else {
                GtidSet m = n.executed();
                GtidSet t = source.executed();
                mine = m.toString();
                theirs = t.toString();
                extra = m.subtract(t).toString();
            }
            if (!extra.isEmpty()) {
                errant.put(old, extra);
                log.error("failover: old source {} has errant transactions the new source {} lacks: {} (its {}, "
                        + "the source's {}); it stays fenced until an operator repairs it", old, current, extra, mine,
                        theirs);
                return;
            }
            if (!config.rejoin()) {
                log.info("failover: old source {} has no errant transactions; it stays fenced (failover.rejoin is "
                        + "off)", old);
                return;
            }
            // A source running semi-sync waits for its replicas' acknowledgements: the old source joins them, or a
            // later failover would count on an acknowledgement it never gave.
            boolean semiSync = semiSyncSourceEnabled(source);
            repoint(n, backend(current), n.dialect.autoPosition(true), semiSync);
            fenced.remove(old);
            generation.incrementAndGet();
            log.info("failover: old source {} rejoined as a {}replica of {} in {} ms", old,
                    semiSync ? "semi-synchronous " : "", current, ms(t0));
        } catch (FailoverException e) {
            log.error("failover: handling the return of old source {} failed (retried at its next check): {}", old,
                    e.getMessage());
            returnHandled.remove(old);
        } catch (RuntimeException e) {
            log.error("failover: handling the return of old source {} failed (retried at its next check)", old, e);
            returnHandled.remove(old);
        } finally {
            if (n != null) {
                n.close();
            }
            if (source != null) {
                source.close();
            }
        }
    }

    /**
     * MariaDB: the positions of {@code oldBinlogPos} (the old source's {@code gtid_binlog_pos}) that are not in the new
     * source's history, given its {@code gtid_binlog_state} (the last GTID of every domain and server id in its
     * binlog); empty when there are none.
     *
     * <p>Comparing positions per domain is not enough: after a failover the new source numbers on from the same
     * sequence, so the old source's last transaction {@code 0-1-13}, never replicated, and the new source's first
     * one {@code 0-2-13} have the same sequence number in domain 0, and neither set is "ahead". With
     * {@code gtid_strict_mode} a server's sequence numbers grow within a domain, so {@code d-s-n} is in the new
     * source's history iff its binlog state has {@code d-s-m} with {@code m >= n}.
     */
    static String mariaDbErrant(String oldBinlogPos, String newBinlogState) {
        Map<String, Long> state = new HashMap<>();
        for (String g : gtids(newBinlogState)) {
            String[] p = g.split("-");
            state.merge(p[0] + "-" + p[1], Long.parseLong(p[2]), Math::max);
        }
        List<String> errantPositions = new ArrayList<>();
        for (String g : gtids(oldBinlogPos)) {
            String[] p = g.split("-");
            Long seen = state.get(p[0] + "-" + p[1]);
            if (seen == null || seen < Long.parseLong(p[2])) {
                errantPositions.add(g);
            }
        }
        return String.join(",", errantPositions);
    }

    private static List<String> gtids(String text) {
        List<String> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        for (String g : text.split(",")) {
            String t = g.strip();
            if (!t.isEmpty()) {
                if (t.split("-").length != 3) {
                    throw new IllegalArgumentException("not a MariaDB GTID: " + t);
                }
                out.add(t);
            }
        }
        return out;
    }

    private BackendConfig backend(String name) {
        for (BackendConfig b : backends) {
            if (b.name().equals(name)) {
                return b;
            }
        }
        throw new IllegalArgumentException("not a backend: " + name);
    }

    private Node connect(BackendConfig b) throws FailoverException {
        BackendEndpoint e = new BackendEndpoint(b.name(), b.address().host(), b.address().port());
        QueryClient c = await(QueryClient.connect(group.next(), channelType, e, user, password, tls,
                (int) CONNECT_TIMEOUT.toMillis()), CONNECT_TIMEOUT.multipliedBy(2), b.name() + ": connect");
        Node n = new Node(b.name(), c, Dialect.MARIADB);
        try {
            String version = n.query("SELECT @@GLOBAL.version").rows().get(0).get(0);
            n.dialect = version.contains("MariaDB") ? Dialect.MARIADB : Dialect.MYSQL;
            return n;
        } catch (FailoverException ex) {
            n.close();
            throw ex;
        }
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f, Duration timeout, String what)
            throws FailoverException {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FailoverException(what + ": interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            throw new FailoverException(what + ": " + (c.getMessage() == null ? c.toString() : c.getMessage()));
        } catch (TimeoutException e) {
            throw new FailoverException(what + ": no answer within " + timeout.toMillis() + " ms");
        }
    }

    private static String cell(QueryClient.Result r, String... names) {
        if (r.rows().isEmpty()) {
            return null;
        }
        for (String name : names) {
            for (int i = 0; i < r.columns().size(); i++) {
                if (r.columns().get(i).equalsIgnoreCase(name)) {
                    return r.rows().get(0).get(i);
                }
            }
        }
        return null;
    }

    private static long ms(long sinceNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos);
    }

    /** One server's connection during a failover, on the failover thread. */
    private static final class Node {
        final String name;
        final QueryClient client;
        Dialect dialect;
        /** It has a replication configuration (SHOW SLAVE STATUS has a row). */
        boolean replica;

        Node(String name, QueryClient client, Dialect dialect) {
            this.name = name;
            this.client = client;
            this.dialect = dialect;
        }

        QueryClient.Result query(String sql) throws FailoverException {
            return query(sql, STATEMENT_TIMEOUT);
        }

        QueryClient.Result query(String sql, Duration timeout) throws FailoverException {
            return await(client.query(sql), timeout, name + ": " + redact(sql));
        }

        void exec(String sql) throws FailoverException {
            long t = System.nanoTime();
            query(sql);
            log.info("failover: {}: {} ({} ms)", name, redact(sql), ms(t));
        }

        GtidSet executed() throws FailoverException {
            String text = query(dialect.executed()).rows().get(0).get(0);
            String clean = text == null ? "" : text.replaceAll("\\s+", "");
            return dialect == Dialect.MARIADB ? GtidSet.parseMariaDb(clean) : GtidSet.parseMySql(clean);
        }

        void close() {
            client.close();
        }

        private static String redact(String sql) {
            return sql.replaceAll("(?i)(PASSWORD\\s*=\\s*)'(?:[^'\\\\]|\\\\.|'')*'", "$1'<hidden>'");
        }
    }

    /** The SQL of each flavour. MySQL: 8.0.23 and later spellings. */
    enum Dialect {
        MARIADB {
            @Override
            String status() {
                return "SHOW SLAVE STATUS";
            }

            @Override
            boolean relayLogApplied(String sqlState) {
                return sqlState.startsWith("Slave has read all relay log");
            }

            @Override
            String executed() {
                return "SELECT @@GLOBAL.gtid_current_pos";
            }

            @Override
            String stopReplica() {
                return "STOP SLAVE";
            }

            @Override
            String resetReplica() {
                return "RESET SLAVE ALL";
            }

            @Override
            List<String> writable() {
                return List.of("SET GLOBAL read_only = 0");
            }

            @Override
            List<String> readOnly() {
                return List.of("SET GLOBAL read_only = 1");
            }

            @Override
            String autoPosition(boolean formerSource) {
                // A former source applied nothing through replication: its gtid_slave_pos is empty or stale, while
                // gtid_current_pos includes its own binlog.
                return formerSource ? "current_pos" : "slave_pos";
            }

            @Override
            String changeSource(String host, int port, String user, String password, String positioning) {
                return "CHANGE MASTER TO MASTER_HOST='" + quote(host) + "', MASTER_PORT=" + port + ", MASTER_USER='"
                        + quote(user) + "', MASTER_PASSWORD='" + quote(password) + "', MASTER_USE_GTID="
                        + positioning;
            }

            @Override
            String startReplica() {
                return "START SLAVE";
            }

            @Override
            String semiSyncReplicaEnabled() {
                return "SELECT @@GLOBAL.rpl_semi_sync_slave_enabled";
            }

            @Override
            String semiSyncReplicaOn() {
                return "SET GLOBAL rpl_semi_sync_slave_enabled = ON";
            }

            @Override
            String semiSyncSourceEnabled() {
                return "SELECT @@GLOBAL.rpl_semi_sync_master_enabled";
            }

            @Override
            String semiSyncSourceOn() {
                return "SET GLOBAL rpl_semi_sync_master_enabled = ON";
            }

            @Override
            String waitFor(String gtids, Duration timeout) {
                return io.sluice.proxy.gtid.CommitWait.statement(true, gtids, timeout);
            }
        },
        MYSQL {
            @Override
            String status() {
                return "SHOW REPLICA STATUS";
            }

            @Override
            boolean relayLogApplied(String sqlState) {
                return sqlState.startsWith("Replica has read all relay log")
                        || sqlState.startsWith("Slave has read all relay log");
            }

            @Override
            String executed() {
                return "SELECT @@GLOBAL.gtid_executed";
            }

            @Override
            String stopReplica() {
                return "STOP REPLICA";
            }

            @Override
            String resetReplica() {
                return "RESET REPLICA ALL";
            }

            @Override
            List<String> writable() {
                return List.of("SET GLOBAL super_read_only = 0", "SET GLOBAL read_only = 0");
            }

            @Override
            List<String> readOnly() {
                return List.of("SET GLOBAL read_only = 1", "SET GLOBAL super_read_only = 1");
            }

            @Override
            String autoPosition(boolean formerSource) {
                return "SOURCE_AUTO_POSITION=1";
            }

            @Override
            String changeSource(String host, int port, String user, String password, String positioning) {
                return "CHANGE REPLICATION SOURCE TO SOURCE_HOST='" + quote(host) + "', SOURCE_PORT=" + port
                        + ", SOURCE_USER='" + quote(user) + "', SOURCE_PASSWORD='" + quote(password) + "', "
                        + positioning + ", GET_SOURCE_PUBLIC_KEY=1";
            }

            @Override
            String startReplica() {
                return "START REPLICA";
            }

            @Override
            String semiSyncReplicaEnabled() {
                return "SELECT @@GLOBAL.rpl_semi_sync_replica_enabled";
            }

            @Override
            String semiSyncReplicaOn() {
                return "SET GLOBAL rpl_semi_sync_replica_enabled = ON";
            }

            @Override
            String semiSyncSourceEnabled() {
                return "SELECT @@GLOBAL.rpl_semi_sync_source_enabled";
            }

            @Override
            String semiSyncSourceOn() {
                // Needs the semisync_source plugin, which the source side loads; a replica may not have it.
                return "SET GLOBAL rpl_semi_sync_source_enabled = ON";
            }

            @Override
            String waitFor(String gtids, Duration timeout) {
                return io.sluice.proxy.gtid.CommitWait.statement(false, gtids, timeout);
            }
        };

        abstract String status();

        /** Whether {@code Slave_SQL_Running_State} says the SQL thread has applied everything it received. */
        abstract boolean relayLogApplied(String sqlState);

        abstract String executed();

        abstract String stopReplica();

        abstract String resetReplica();

        abstract List<String> writable();

        abstract List<String> readOnly();

        abstract String autoPosition(boolean formerSource);

        abstract String changeSource(String host, int port, String user, String password, String positioning);

        abstract String startReplica();

        /** Whether the replica side of semi-synchronous replication is on; an error when its plugin is not loaded. */
        abstract String semiSyncReplicaEnabled();

        /** Turns on the replica side of semi-synchronous replication; its IO thread picks it up when it starts. */
        abstract String semiSyncReplicaOn();

        /** Whether the source side of semi-synchronous replication is on; an error when its plugin is not loaded. */
        abstract String semiSyncSourceEnabled();

        /** Turns on the source side of semi-synchronous replication. */
        abstract String semiSyncSourceOn();

        /** A statement answering 0 once the server has applied {@code gtids}, else 1 or -1 (timeout). */
        abstract String waitFor(String gtids, Duration timeout);

        static String quote(String s) {
            return s.replace("\\", "\\\\").replace("'", "''");
        }
    }

    /**
     * What a failover did.
     *
     * @param oldSource  the source that failed, fenced now
     * @param newSource  the server promoted and published as the source
     * @param millis     from the verdict (or the operator's command) to the last replica repointed
     * @param repointed  the replicas that now replicate from {@code newSource}
     * @param semiSync   semi-synchronous replication was carried over to {@code newSource}
     */
    public record Outcome(String oldSource, String newSource, long millis, List<String> repointed,
                          boolean semiSync) {
        public Outcome {
            repointed = List.copyOf(repointed);
        }
    }

    /** A forced failover that promoted nothing; {@link #reason()} says what kind of refusal, the message why. */
    public static final class Refused extends Exception {
        /** Why nothing was promoted. */
        public enum Reason {
            /** The source answers Sluice: it is not dead (SWITCHOVER moves a live source). */
            SOURCE_REACHABLE,
            /** A failover or switchover is running. */
            IN_PROGRESS,
            /** Sluice has not seen a source to fail over from. */
            NO_SOURCE,
            /** The named target does not exist or may not be promoted. */
            BAD_TARGET,
            /** A step failed (no candidate, catch-up too slow, nothing reachable); the old source is unfenced. */
            FAILED
        }

        private final Reason reason;

        public Refused(Reason reason, String message) {
            super(message);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }

    /** A step of a failover could not be done; the message says which and why. */
    static final class FailoverException extends Exception {
        FailoverException(String message) {
            super(message);
        }
    }
}
