package io.sluice.proxy;

import java.util.Map;
import java.util.HashMap;
import java.nio.file.Path;
import io.sluice.proxy.config.HostPort;
import io.sluice.proxy.config.ConfigException;
import io.sluice.proxy.config.ConfigLoader;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.proxy.gtid.GtidTracker;
import io.sluice.proxy.gtid.GtidTracking;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.sluice.protocol.gtid.GtidSet;
import io.sluice.protocol.message.HandshakeV10;
import io.sluice.proxy.admin.AdminContext;
import io.sluice.proxy.admin.AdminServer;
import io.sluice.proxy.admin.BackendOverrides;
import io.sluice.proxy.auth.Account;
import io.sluice.proxy.auth.BackendAccounts;
import io.sluice.proxy.auth.RsaKeys;
import io.sluice.proxy.auth.UserDirectory;
import io.sluice.proxy.backend.BackendEndpoint;
import io.sluice.proxy.backend.BackendProbe;
import io.sluice.proxy.backend.QueryClient;
import io.sluice.proxy.config.BackendConfig;
import io.sluice.proxy.config.FailoverConfig;
import io.sluice.proxy.config.MonitorConfig;
import io.sluice.proxy.config.SluiceConfig;
import io.sluice.proxy.config.UserConfig;
import io.sluice.proxy.metrics.Health;
import io.sluice.proxy.metrics.HttpEndpoint;
import io.sluice.proxy.metrics.SluiceMetrics;
import io.sluice.proxy.metrics.TrafficCounter;
import io.sluice.proxy.server.ConnectionRegistry;
import io.sluice.proxy.server.FrontendServer;
import io.sluice.proxy.server.Lifecycle;
import io.sluice.proxy.server.Transport;
import io.sluice.proxy.session.FrontendSession;
import io.sluice.proxy.session.ServerIdentity;
import io.sluice.proxy.config.RoutingConfig;
import io.sluice.proxy.failover.Failover;
import io.sluice.proxy.monitor.Monitor;
import io.sluice.proxy.monitor.MonitorSettings;
import io.sluice.proxy.monitor.Observation;
import io.sluice.proxy.monitor.MonitoredBackend;
import io.sluice.proxy.session.LinkPools;
import io.sluice.proxy.session.Routes;
import io.sluice.proxy.session.TopologyRoutes;
import io.sluice.routing.route.Router;
import io.sluice.routing.route.RoutingPolicy;
import io.sluice.routing.topology.ServerView;
import io.sluice.routing.topology.TopologySnapshot;
import io.sluice.proxy.session.SessionServices;
import io.sluice.proxy.session.StatementInspector;
import io.sluice.proxy.tls.RsaKeyPair;
import io.sluice.proxy.tls.TlsContexts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.concurrent.TimeoutException;

/**
 * One running Sluice: the client listener, the shared session services, the background work that keeps them current
 * (monitor, account refresh), and the operator's side: metrics and {@code /health} over HTTP, the admin interface,
 * and the drain on shutdown. Built from a {@link SluiceConfig}; {@link #drainAndClose()} is what SIGTERM does,
 * {@link #close()} stops everything at once.
 *
 * <p>The router sees the monitor's topology through the admin interface's {@link BackendOverrides}: a backend an
 * operator took offline looks to it like a server without a role (soft) or an unreachable one (hard).
 */
public final class Sluice implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sluice.class);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final SluiceConfig config;
    /** The configuration in effect: {@link #config} at start, then what each reload applied. */
    private volatile SluiceConfig live;
    /** The file the configuration came from, for RELOAD CONFIG and SIGHUP; null when started from a value. */
    private volatile Path configFile;
    private TopologyRoutes topologyRoutes;
    private final Transport transport;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final UserDirectory users;
    private final ConnectionRegistry registry;
    private final Lifecycle lifecycle = new Lifecycle();
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final BackendOverrides overrides = new BackendOverrides();
    private final PrometheusMeterRegistry meterRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private SluiceMetrics metrics;
    private HttpEndpoint http;
    private AdminServer admin;
    private volatile SessionServices services;
    private FrontendServer frontend;
    private Monitor monitor;
    private GtidTracker tracker;
    private io.sluice.proxy.failover.Failover failover;
    /** The monitor's topology with the failover's fences applied; what the router and the operator's side see. */
    private java.util.function.Supplier<TopologySnapshot> roles;
    private UnaryOperator<GtidTracking> gtidView = UnaryOperator.identity();
    private ScheduledFuture<?> accountRefresh;
    private volatile QueryClient accountClient;
    /** The server {@link #accountClient} is connected to. */
    private volatile BackendEndpoint accountSource;
    private LinkPools pools;
    /**
     * Backends a reload removed that are still draining (statements sent there finishing); a backend leaves this set
     * when it is gone everywhere.
     */
    private final java.util.Set<String> leaving = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** How often a leaving backend is looked at to see whether its statements are over. */
    private static final long LEAVING_POLL_MILLIS = 50;

    private Sluice(SluiceConfig config) {
        this.config = config;
        this.live = config;
        this.transport = Transport.best();
        this.boss = transport.group(1, "sluice-accept");
        this.workers = transport.group(config.ioThreads(), "sluice-io");
        this.users = new UserDirectory(configuredAccounts(config));
        this.registry = new ConnectionRegistry(config.maxConnections());
    }

    /** Starts Sluice; fails with a {@link StartupException} naming what is wrong. */
    public static Sluice start(SluiceConfig config, StatementInspector inspector) throws StartupException {
        return start(config, inspector, UnaryOperator.identity());
    }

    /**
     * As above, with the sessions' view of the GTID tracker passed through {@code gtidView} (tests use it to make
     * the tracker's answers adversarial, e.g. to force the commit fence on every replica read).
     */
    public static Sluice start(SluiceConfig config, StatementInspector inspector, UnaryOperator<GtidTracking> gtidView)
            throws StartupException {
        Sluice s = new Sluice(config);
        s.gtidView = gtidView;
        try {
            s.startUp(inspector);
            return s;
        } catch (StartupException e) {
            s.close();
            throw e;
        } catch (InterruptedException e) {
            s.close();
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted during start-up");
        } catch (RuntimeException e) {
            s.close();
            throw new StartupException(e.getMessage());
        }
    }

    private void startUp(StatementInspector inspector) throws StartupException, InterruptedException {
        List<BackendEndpoint> endpoints = endpoints(config);
        HandshakeV10 greeting = probe(endpoints);
        ServerIdentity identity = ServerIdentity.from(greeting);
        log.info("backends report server version '{}'", identity.serverVersion());
        SslContext clientTls;
        SslContext backendTls;
        try {
            clientTls = TlsContexts.forClients(config.tls());
            backendTls = TlsContexts.forBackends(config.tls()).orElse(null);
        } catch (Exception e) {
            throw new StartupException("tls: " + e.getMessage());
        }
        RsaKeyPair rsaPair = RsaKeyPair.generate();
        RsaKeys rsa = new RsaKeys() {
            @Override
            public String publicKeyPem() {
                return rsaPair.publicKeyPem();
            }

            @Override
            public byte[] decrypt(byte[] encrypted) {
                try {
                    return rsaPair.decrypt(encrypted);
                } catch (Exception e) {
                    throw new IllegalArgumentException("undecryptable password: " + e.getMessage());
                }
            }
        };
        BackendEndpoint primary = endpoints.get(0);
        Routes routes = Routes.single(primary);
        if (config.monitor().isPresent()) {
            monitor = Monitor.start(config.backends().stream().map(MonitoredBackend::from).toList(),
                    MonitorSettings.from(config.monitor().get()), workers, transport.socketChannel(), backendTls);
            awaitFirstTopology();
            // In every mode: auto fails over by itself, and an operator's FAILOVER needs the same machinery.
            failover = io.sluice.proxy.failover.Failover.start(config.failover(), config.backends(), monitor,
                    workers, transport.socketChannel(), backendTls, config.monitor().get().user(),
                    config.monitor().get().password());
            roles = failover.topology(monitor::current);
            RoutingPolicy policy = policyOf(config.routing());
            // Followed whatever the default level: any session may SET sluice_consistency = 'session'.
            tracker = GtidTracker.start(config.backends().stream().map(MonitoredBackend::from).toList(),
                    MonitorSettings.from(config.monitor().get()));
            awaitGtidSeeds();
            Monitor watched = monitor;
            GtidTracker followed = tracker;
            // Lag is the smaller of two upper bounds: the heartbeat's age and, while both binlog streams are
            // current, the time since the source published the oldest transaction the replica lacks (0 when it has
            // them all), so an idle replica that is caught up reads 0 ms instead of up to a heartbeat interval.
            monitor.lagRefiner((server, heartbeatLag) -> {
                String source = watched.current().source().map(ServerView::name).orElse(null);
                long streams = source == null ? -1 : followed.lagMillis(server, source);
                if (streams < 0) {
                    return heartbeatLag;
                }
                return heartbeatLag < 0 ? streams : Math.min(heartbeatLag, streams);
            });
            // What a replica's status says it committed is what its commit wait would confirm: reads that need no
            // more run there without a pipelined wait, and under causal_wait 0 (which pipelines none) a replica
            // gets a session back within a monitor interval of its last write.
            monitor.addCheckListener((server, o) -> confirmCommitted(followed, server, o));
            topologyRoutes = new TopologyRoutes(overrides.topology(roles), new Router(policy), endpoints,
                    gtidView.apply(tracker));
            if (config.failover().mode() != io.sluice.proxy.config.FailoverConfig.Mode.OFF) {
                topologyRoutes.sourceHold(config.failover().writeHold());
            }
            io.sluice.proxy.failover.Failover f = failover;
            topologyRoutes.promotions(f::lastPromotion, config.failover().lostWriteError());
            f.inFlight(topologyRoutes::inFlight);
            routes = topologyRoutes;
            primary = routes.endpoint(routes.primary());
        } else if (endpoints.size() > 1) {
            log.warn("no monitor section: roles cannot be discovered, so every statement goes to {}", primary);
        }
        metrics = new SluiceMetrics(meterRegistry, endpoints.stream().map(BackendEndpoint::name).toList(),
                monitor == null ? null : roles);
        if (tracker != null) {
            metrics.bindTracker(tracker);
        }
        if (failover != null) {
            metrics.bindFailover(failover);
        }
        LinkPools pools = new LinkPools(config.pool().maxPerBackend(), eventLoops(workers),
                config.pool().acquireTimeout().toMillis());
        this.pools = pools;
        services = new SessionServices(users, registry, identity, routes, clientTls, backendTls, rsa,
                transport.socketChannel(), config.maxAllowedPacket(), config.handshakeTimeout(), READ_TIMEOUT, CONNECT_TIMEOUT,
                inspector, pools, metrics, lifecycle);
        Routes routed = routes;
        metrics.bindGauges(new SluiceMetrics.Gauges(registry::size, () -> lifecycle.draining() ? 1 : 0,
                s -> Math.max(0, pools.openConnections(s) - pools.idleConnections(s)), pools::idleConnections,
                routed::inFlight, s -> {
                    BackendOverrides.Mode m = overrides.mode(s);
                    return m == null ? 0 : m == BackendOverrides.Mode.SOFT ? 1 : 2;
                }));
        if (config.usersFromBackend() && config.monitor().isPresent()) {
            Routes current = routes;
            // From the source of the moment (after a failover, the promoted one), never a server fixed at start.
            startAccountRefresh(() -> current.endpoint(current.primary()), config.monitor().get(), backendTls);
        }
        startOperatorListeners(identity, routes, pools, primary);
        InetSocketAddress listen = new InetSocketAddress(config.listen().host(), config.listen().port());
        frontend = new FrontendServer(() -> services, listen, transport, boss, workers,
                config.proxyProtocolNetworks(), new TrafficCounter(metrics));
        try {
            frontend.start();
        } catch (Exception e) {
            throw new StartupException("listen: cannot listen on " + config.listen() + ": " + e.getMessage());
        }
    }

    private static void confirmCommitted(GtidTracker tracker, String server, Observation o) {
        if (!o.reachable() || o.committed().isEmpty()) {
            return;
        }
        try {
            tracker.confirmed(server, GtidSet.parse(o.committed()));
        } catch (IllegalArgumentException e) {
            log.debug("{}: unreadable committed GTIDs '{}': {}", server, o.committed(), e.getMessage());
        }
    }

    /** The metrics/health HTTP listener and the admin interface, when configured; before clients are accepted. */
    private void startOperatorListeners(ServerIdentity identity, Routes routes, LinkPools pools,
                                        BackendEndpoint primary) throws StartupException, InterruptedException {
        if (config.metrics().enabled()) {
            Health health = new Health(lifecycle, monitor == null ? null : overrides.topology(roles),
                    config.routing().maxReplicaLag().toMillis(),
                    config.routing().fallback() == RoutingConfig.Fallback.SOURCE, primary.name());
            http = new HttpEndpoint(meterRegistry, health, transport);
            try {
                http.start(new InetSocketAddress(config.metrics().listen().host(), config.metrics().listen().port()));
            } catch (Exception e) {
                throw new StartupException("metrics.listen: cannot listen on " + config.metrics().listen() + ": "
                        + e.getMessage());
            }
        }
        if (config.admin().isPresent()) {
            AdminContext context = new AdminContext(() -> live, version(), identity.serverVersion(),
                    monitor == null ? null : roles, overrides, routes, pools, registry, metrics,
                    server -> tracker == null ? "" : tracker.executed(server).toString(), this::reloadFromFile,
                    // SWITCHOVER stays with auto: in follow another tool owns promotions, in off the operator does.
                    target -> failover == null || config.failover().mode() != FailoverConfig.Mode.AUTO
                            ? CompletableFuture.failedFuture(new IllegalStateException(
                            "switchover needs failover.mode: auto")) : failover.switchover(target),
                    target -> failover == null ? CompletableFuture.failedFuture(new Failover.Refused(
                            Failover.Refused.Reason.NO_SOURCE, "failover needs a monitor section"))
                            : failover.force(target));
            admin = new AdminServer(config.admin().get(), context, config.handshakeTimeout(), READ_TIMEOUT, transport,
                    services.clientTls(), boss, workers);
            try {
                admin.start();
            } catch (Exception e) {
                throw new StartupException("admin.listen: cannot listen on " + config.admin().get().listen() + ": "
                        + e.getMessage());
            }
        }
    }

    /** Sluice's version, from the jar manifest. */
    static String version() {
        String v = Sluice.class.getPackage().getImplementationVersion();
        return v == null ? "development build" : v;
    }

    /**
     * Clients are accepted once the monitor has checked every backend once, so the first statements already
     * know the source and the replicas' lag. Bounded: a backend that does not answer is reported as unreachable
     * in the first snapshot rather than holding start-up.
     */
    private void awaitFirstTopology() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        java.util.concurrent.Semaphore changed = new java.util.concurrent.Semaphore(0);
        Monitor.Listener l = t -> changed.release();
        monitor.addListener(l);
        try {
            while (!settled(monitor.current())) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !changed.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                    break;
                }
            }
        } finally {
            monitor.removeListener(l);
        }
        TopologySnapshot t = monitor.current();
        if (!settled(t)) {
            log.warn("the monitor has not measured every backend yet; starting anyway");
        }
        for (ServerView v : t.servers()) {
            log.info("backend {}: {}{}, lag {} ms", v.name(), v.role(), v.reachable() ? "" : " (unreachable)",
                    v.lagMillis());
        }
    }

    /** Every backend checked once, and every healthy replica's lag measured (its first heartbeat read). */
    private static boolean settled(TopologySnapshot t) {
        if (t.servers().isEmpty()) {
            return false;
        }
        return t.servers().stream().noneMatch(v -> v.reachable() && v.role() == io.sluice.routing.topology.Role.REPLICA
                && v.replicating() && v.lagMillis() < 0);
    }

    private static int eventLoops(EventLoopGroup group) {
        int n = 0;
        for (var ignored : group) {
            n++;
        }
        return Math.max(1, n);
    }

    private HandshakeV10 probe(List<BackendEndpoint> endpoints) throws StartupException {
        List<String> problems = new ArrayList<>();
        for (BackendEndpoint e : endpoints) {
            try {
                return BackendProbe.greeting(workers, transport.socketChannel(), e, (int) CONNECT_TIMEOUT.toMillis())
                        .get(CONNECT_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException ex) {
                Throwable c = ex.getCause() == null ? ex : ex.getCause();
                problems.add(e + ": " + c.getMessage());
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new StartupException("interrupted while probing backends");
            }
        }
        throw new StartupException("backends: no backend answered: " + String.join("; ", problems));
    }

    private void startAccountRefresh(java.util.function.Supplier<BackendEndpoint> source, MonitorConfig monitor,
                                     SslContext backendTls) throws InterruptedException {
        try {
            refreshAccounts(source, monitor, backendTls).get(CONNECT_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.warn("cannot load accounts from {} yet (will retry every {}): {}", source.get(),
                    config.usersRefreshInterval(), e.getCause() == null ? e : e.getCause().getMessage());
        }
        long every = config.usersRefreshInterval().toMillis();
        accountRefresh = workers.next().scheduleWithFixedDelay(() -> refreshAccounts(source, monitor, backendTls),
                every, every, TimeUnit.MILLISECONDS);
    }

    private java.util.concurrent.CompletableFuture<Void> refreshAccounts(
            java.util.function.Supplier<BackendEndpoint> sourceNow, MonitorConfig monitor, SslContext backendTls) {
        BackendEndpoint source = sourceNow.get();
        java.util.concurrent.CompletableFuture<QueryClient> client;
        QueryClient open = accountClient;
        if (open != null && open.connection().isActive() && source.equals(accountSource)) {
            client = java.util.concurrent.CompletableFuture.completedFuture(open);
        } else {
            if (open != null) {
                open.close();   // the source changed (a failover, a switchover): read from the new one
            }
            client = QueryClient.connect(workers.next(), transport.socketChannel(), source, monitor.user(),
                    monitor.password(), backendTls, (int) CONNECT_TIMEOUT.toMillis());
        }
        return client.thenCompose(c -> {
            accountClient = c;
            accountSource = source;
            return c.query(BackendAccounts.QUERY);
        }).thenAccept(result -> {
            List<Account> loaded = BackendAccounts.fromRows(result);
            int before = users.loadedCount();
            users.replaceLoaded(loaded);
            if (before != loaded.size()) {
                log.info("loaded {} accounts from {}", loaded.size(), source);
            }
        }).whenComplete((v, e) -> {
            if (e != null) {
                log.warn("account refresh from {} failed: {}", source, e.getCause() == null ? e : e.getCause().getMessage());
            }
        });
    }

    private static List<BackendEndpoint> endpoints(SluiceConfig config) {
        List<BackendEndpoint> out = new ArrayList<>();
        for (BackendConfig b : config.backends()) {
            out.add(new BackendEndpoint(b.name(), b.address().host(), b.address().port()));
        }
        return out;
    }

    private static List<Account> configuredAccounts(SluiceConfig config) {
        List<Account> out = new ArrayList<>();
        for (UserConfig u : config.users()) {
            out.add(Account.configured(u.name(), u.password()));
        }
        return out;
    }

    public InetSocketAddress clientAddress() {
        return frontend.boundAddress();
    }

    /**
     * Waits (briefly) until the tracker has seeded every server it can reach, so the first consistent reads can use
     * replicas, and says in the log what consistency can rest on: a server without GTIDs (binlog off) reports no
     * GTID for its writes, so sessions add no requirement and their reads fall back to the lag budget alone.
     */
    private void awaitGtidSeeds() {
        long deadline = System.nanoTime() + CONNECT_TIMEOUT.toNanos() * 2;
        java.util.concurrent.Semaphore published = new java.util.concurrent.Semaphore(0);
        java.util.function.Consumer<String> l = server -> published.release();
        tracker.addListener(l);   // called after every publication, the seeds included
        try {
            while (config.backends().stream().anyMatch(b -> !tracker.known(b.name())
                    && monitor.current().server(b.name()).map(v -> v.reachable()).orElse(false))) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !published.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } finally {
            tracker.removeListener(l);
        }
        for (var b : config.backends()) {
            GtidTracker.Mode mode = tracker.mode(b.name());
            if (!tracker.known(b.name())) {
                log.warn("GTID tracker: {} not seeded yet (mode {}); consistent reads avoid it until it is", b.name(), mode);
            } else if (tracker.executed(b.name()).isEmpty()) {
                log.info("GTID tracker: {} has executed no GTID yet (mode {}); if its binlog or GTIDs are off, writes"
                        + " there carry no GTID and session/global reads fall back to the lag budget", b.name(), mode);
            } else if (mode == GtidTracker.Mode.DOWN) {
                log.info("GTID tracker: {} at {} (seeded; its binlog stream still connecting)", b.name(),
                        tracker.executed(b.name()));
            } else {
                log.info("GTID tracker: {} at {} (mode {})", b.name(), tracker.executed(b.name()), mode);
            }
        }
    }

    /** The GTID tracker, or null without a monitor section. */
    public GtidTracker tracker() {
        return tracker;
    }

    /** Where {@code /metrics} and {@code /health} are served, or null when {@code metrics.enabled} is off. */
    public InetSocketAddress metricsAddress() {
        return http == null ? null : http.boundAddress();
    }

    /** Where the admin interface listens, or null without an {@code admin} section. */
    public InetSocketAddress adminAddress() {
        return admin == null ? null : admin.boundAddress();
    }

    public SluiceMetrics metrics() {
        return metrics;
    }

    public BackendOverrides overrides() {
        return overrides;
    }

    public boolean draining() {
        return lifecycle.draining();
    }

    /** {@link #drainAndClose(Duration)} bounded by {@code shutdown.drain_timeout}: what SIGTERM does. */
    public boolean drainAndClose() {
        return drainAndClose(config.shutdown().drainTimeout());
    }

    /**
     * The graceful stop. Stops accepting client connections (the port closes, so new connections are refused) and
     * turns {@code /health} to 503; statements in flight run to their end, for at most {@code timeout}; any client
     * that sends a new command meanwhile is answered ERR 1053 (Server shutdown in progress) and closed. Then closes
     * everything, as {@link #close()}. The admin interface stays up until then, to watch the drain.
     *
     * <p>Blocks the calling thread (not to be called from an event loop).
     *
     * @return whether every statement in flight finished in time
     */
    public boolean drainAndClose(Duration timeout) {
        lifecycle.startDraining();
        if (frontend != null) {
            frontend.close();
        }
        log.info("draining: not accepting clients; statements in flight have up to {} to finish",
                io.sluice.proxy.config.Durations.format(timeout));
        boolean drained;
        try {
            drained = registry.awaitIdle(timeout.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        }
        if (!drained) {
            log.warn("drain: {} statement(s) still running after {}; closing their connections", registry.busy(),
                    io.sluice.proxy.config.Durations.format(timeout));
        }
        log.info("drain over; closing {} client connection(s) and the backends", registry.size());
        close();
        return drained;
    }


    private static RoutingPolicy policyOf(RoutingConfig r) {
        return new RoutingPolicy(r.maxReplicaLag(),
                r.fallback() == RoutingConfig.Fallback.ERROR ? RoutingPolicy.Fallback.ERROR : RoutingPolicy.Fallback.SOURCE,
                r.consistency(), r.causalWait());
    }

    /** Where the configuration came from: {@code RELOAD CONFIG} and SIGHUP read this file again. */
    public void configFile(Path file) {
        this.configFile = file;
    }

    /** The configuration in effect now. */
    public SluiceConfig liveConfig() {
        return live;
    }

    /** {@code RELOAD CONFIG} / SIGHUP: the file again, validated whole, then {@link #reload(SluiceConfig)}. */
    public synchronized String reloadFromFile() throws AdminContext.ReloadRefusedException {
        Path file = configFile;
        if (file == null) {
            throw new AdminContext.ReloadRefusedException("Sluice was started without a configuration file");
        }
        SluiceConfig next;
        try {
            next = ConfigLoader.load(file);
        } catch (ConfigException e) {
            throw new AdminContext.ReloadRefusedException(e.getMessage().replace('\n', ' '));
        }
        return reload(next);
    }

    /**
     * Applies what can change without dropping a client connection: the static accounts ({@code users}), the
     * routing policy ({@code routing.*}: lag budget, fallback, default consistency, causal wait; sessions that chose
     * their own level keep it), the backends' read weights, {@code candidate} and {@code priority}, and the set of
     * backends itself (with a monitor section):
     * <ul>
     *   <li>An added backend is checked by the monitor, followed by the GTID tracker, reported by the metrics,
     *       listed by {@code SHOW BACKENDS} and known to failover at once; the router gives it reads only once the
     *       monitor's check found it a healthy replica within the lag budget (and, for {@code session}/{@code global}
     *       reads, once the tracker has seeded it): the rules every backend starts under.</li>
     *   <li>A removed backend gets no new statement (as {@code OFFLINE SOFT}); its idle pooled connections are closed
     *       at once and those in use when they are given back; once no statement is in flight there and no session
     *       holds a connection to it (or after {@code shutdown.drain_timeout}), it leaves the monitor, the tracker,
     *       the routes and the metrics. The source cannot be removed (switch over first), nor every backend.</li>
     *   <li>A backend that keeps its name but moves to another address is refused: remove it in one reload and add
     *       it back in the next, so that no connection pooled for the old address is taken for the new one.</li>
     * </ul>
     * Anything else (listeners, the monitor, TLS, pools, failover settings) needs a restart. A file with any change
     * that cannot be applied is refused whole, naming the keys, and nothing changes: every check is made before the
     * first change.
     *
     * @return one line saying what changed
     */
    public synchronized String reload(SluiceConfig next) throws AdminContext.ReloadRefusedException {
        SluiceConfig now = live;
        List<String> restart = new ArrayList<>();
        if (!now.listen().equals(next.listen())) {
            restart.add("listen");
        }
        if (now.maxConnections() != next.maxConnections()) {
            restart.add("max_connections");
        }
        if (now.ioThreads() != next.ioThreads()) {
            restart.add("io_threads");
        }
        if (!now.handshakeTimeout().equals(next.handshakeTimeout())) {
            restart.add("handshake_timeout");
        }
        if (now.maxAllowedPacket() != next.maxAllowedPacket()) {
            restart.add("max_allowed_packet");
        }
        if (now.usersFromBackend() != next.usersFromBackend()
                || !now.usersRefreshInterval().equals(next.usersRefreshInterval())) {
            restart.add("users_from_backend / users_refresh_interval");
        }
        if (!now.monitor().equals(next.monitor())) {
            restart.add("monitor");
        }
        if (!now.tls().equals(next.tls())) {
            restart.add("tls");
        }
        if (!now.pool().equals(next.pool())) {
            restart.add("pool");
        }
        if (!now.admin().equals(next.admin())) {
            restart.add("admin");
        }
        if (!now.metrics().equals(next.metrics())) {
            restart.add("metrics");
        }
        if (!now.shutdown().equals(next.shutdown())) {
            restart.add("shutdown");
        }
        if (!now.proxyProtocolNetworks().equals(next.proxyProtocolNetworks())) {
            restart.add("proxy_protocol_networks");
        }
        if (!now.failover().equals(next.failover())) {
            restart.add("failover");
        }
        if (!restart.isEmpty()) {
            throw new AdminContext.ReloadRefusedException("these need a restart: " + String.join(", ", restart));
        }
        Map<String, HostPort> before = addresses(now);
        Map<String, HostPort> after = addresses(next);
        List<BackendConfig> added = next.backends().stream().filter(b -> !before.containsKey(b.name())).toList();
        List<String> removed = now.backends().stream().map(BackendConfig::name).filter(n -> !after.containsKey(n))
                .toList();
        checkMembership(before, after, added, removed);
        if (!now.routing().equals(next.routing()) && topologyRoutes == null) {
            throw new AdminContext.ReloadRefusedException("routing needs a monitor section");
        }
        List<String> changed = new ArrayList<>();
        if (!now.users().equals(next.users())) {
            users.replaceConfigured(configuredAccounts(next));
            changed.add("users (" + next.users().size() + ")");
        }
        if (!now.routing().equals(next.routing())) {
            topologyRoutes.replaceRouter(new Router(policyOf(next.routing())));
            changed.add("routing");
        }
        Map<String, Integer> weights = new HashMap<>();
        boolean weightsChanged = false;
        for (BackendConfig b : next.backends()) {
            weights.put(b.name(), b.weight());
        }
        for (BackendConfig b : now.backends()) {
            weightsChanged |= weights.containsKey(b.name()) && weights.get(b.name()) != b.weight();
        }
        if (weightsChanged || !added.isEmpty()) {
            overrides.weights(weights);
        }
        if (weightsChanged) {
            changed.add("weights");
        }
        for (BackendConfig b : added) {
            addBackend(b);
        }
        if (!added.isEmpty()) {
            changed.add("added " + String.join(", ", added.stream().map(BackendConfig::name).toList()));
        }
        Map<String, String> rolesBefore = failoverRoles(now);
        Map<String, String> rolesAfter = failoverRoles(next);
        boolean rolesChanged = rolesAfter.entrySet().stream()
                .anyMatch(e -> rolesBefore.containsKey(e.getKey()) && !rolesBefore.get(e.getKey()).equals(e.getValue()));
        if (failover != null && (!added.isEmpty() || !removed.isEmpty() || rolesChanged)) {
            failover.backends(next.backends());
        }
        if (rolesChanged) {
            changed.add("candidate / priority");
        }
        for (String name : removed) {
            removeBackend(name, before.get(name), next.shutdown().drainTimeout());
        }
        if (!removed.isEmpty()) {
            changed.add("removing " + String.join(", ", removed) + " (statements there finish first)");
        }
        live = next;
        String summary = changed.isEmpty() ? "nothing changed" : "applied: " + String.join(", ", changed);
        log.info("configuration reloaded from {}: {}", configFile, summary);
        return summary;
    }

    /**
     * Whether the backends can go from {@code before} to {@code after}; throws naming every reason they cannot. Changes
     * nothing.
     */
    private void checkMembership(Map<String, HostPort> before, Map<String, HostPort> after, List<BackendConfig> added,
                                 List<String> removed) throws AdminContext.ReloadRefusedException {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, HostPort> e : after.entrySet()) {
            HostPort was = before.get(e.getKey());
            if (was != null && !was.equals(e.getValue())) {
                problems.add("backends: " + e.getKey() + " moves from " + was + " to " + e.getValue()
                        + " (remove it in one reload and add it back in the next)");
            }
        }
        if ((!added.isEmpty() || !removed.isEmpty()) && topologyRoutes == null) {
            problems.add("backends: adding or removing one needs a monitor section (without one, every statement goes"
                    + " to the first backend)");
        }
        if (after.isEmpty()) {
            problems.add("backends: a reload cannot remove every backend");
        }
        if ((!added.isEmpty() || !removed.isEmpty()) && failover != null && failover.inProgress()) {
            // A failover or switchover reads the backends as it goes; it must not see them change under it.
            problems.add("backends: a failover or switchover is running; reload once it is over");
        }
        String source = roles == null ? null : roles.get().source().map(ServerView::name).orElse(null);
        for (String name : removed) {
            if (name.equals(source)) {
                problems.add("backends: " + name + " is the source and cannot be removed; switch over first"
                        + " (SWITCHOVER TO <replica>), then reload");
            }
        }
        for (BackendConfig b : added) {
            if (leaving.contains(b.name())) {
                problems.add("backends: " + b.name() + " is still leaving after the last reload (statements there"
                        + " are finishing); reload again once the log says it is gone");
            }
        }
        if (!problems.isEmpty()) {
            throw new AdminContext.ReloadRefusedException(String.join("; ", problems));
        }
    }

    /**
     * A reload added {@code b}. Sessions may reach it, the metrics report it, then the tracker follows it and, last,
     * the monitor checks it: the router chooses it once the monitor's snapshots include it, after its first check.
     */
    private void addBackend(BackendConfig b) {
        MonitoredBackend m = MonitoredBackend.from(b);
        pools.reinstate(b.name());
        topologyRoutes.addEndpoint(m.endpoint());
        metrics.addServer(b.name());
        tracker.add(m);
        monitor.add(m);
        log.info("reload: backend {} added at {}; it takes reads once the monitor finds it a healthy replica",
                b.name(), b.address());
    }

    /**
     * A reload removed {@code name}: retired at once (no new statement, idle connections closed, those in use closed
     * when given back), then gone from the monitor, the tracker, the routes and the metrics once nothing runs there,
     * or after {@code drainTimeout}. Never blocks: a task on an event loop watches the drain.
     */
    private void removeBackend(String name, HostPort address, Duration drainTimeout) {
        overrides.retire(name, address.toString());
        pools.retire(name);
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        log.info("reload: backend {} removed; no new statements go to it, {} in flight there may finish (up to {})",
                name, topologyRoutes.inFlight(name), io.sluice.proxy.config.Durations.format(drainTimeout));
        leaving.add(name);
        Runnable[] check = new Runnable[1];
        check[0] = () -> {
            if (closed.get()) {
                return;
            }
            int inFlight = topologyRoutes.inFlight(name);
            int held = pools.openConnections(name) - pools.idleConnections(name);
            boolean late = System.nanoTime() - deadline > 0;
            if ((inFlight > 0 || held > 0) && !late) {
                workers.next().schedule(check[0], LEAVING_POLL_MILLIS, TimeUnit.MILLISECONDS);
                return;
            }
            if (late) {
                log.warn("reload: backend {} still had {} statement(s) in flight and {} connection(s) in use after {};"
                        + " removing it anyway", name, inFlight, held, io.sluice.proxy.config.Durations.format(drainTimeout));
            }
            monitor.remove(name).whenComplete((v, e) -> {
                tracker.remove(name);
                topologyRoutes.removeEndpoint(name);
                metrics.removeServer(name);
                pools.closeIdle(name);
                overrides.forget(name);
                leaving.remove(name);
                log.info("reload: backend {} is gone", name);
            });
        };
        workers.next().execute(check[0]);
    }

    /** Backends a reload removed that are still draining. */
    public java.util.Set<String> leaving() {
        return java.util.Set.copyOf(leaving);
    }

    /** Each backend's failover candidacy and priority, which the running failover took at start. */
    private static Map<String, String> failoverRoles(SluiceConfig c) {
        Map<String, String> out = new HashMap<>();
        for (BackendConfig b : c.backends()) {
            out.put(b.name(), b.candidate() + "/" + b.priority());
        }
        return out;
    }

    /** Each backend's name and address: a reload adds and removes names, and may not move one. */
    private static Map<String, HostPort> addresses(SluiceConfig c) {
        Map<String, HostPort> out = new HashMap<>();
        for (BackendConfig b : c.backends()) {
            out.put(b.name(), b.address());
        }
        return out;
    }

    /** The topology the router sees now (failover fences and operator overrides applied), or null without a monitor. */
    public TopologySnapshot topology() {
        return roles == null ? null : overrides.topology(roles).get();
    }

    /** Failover (automatic in {@code auto}, forced by an operator in every mode), or null without a monitor section. */
    public io.sluice.proxy.failover.Failover failover() {
        return failover;
    }

    /** The monitor's view of the backends, or null when no monitor is configured. */
    public Monitor monitor() {
        return monitor;
    }

    public SessionServices services() {
        return services;
    }

    public ConnectionRegistry registry() {
        return registry;
    }

    public UserDirectory users() {
        return users;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (accountRefresh != null) {
            accountRefresh.cancel(false);
        }
        if (frontend != null) {
            frontend.close();
        }
        if (failover != null) {
            failover.close();
        }
        if (monitor != null) {
            monitor.close();
        }
        if (tracker != null) {
            tracker.close();
        }
        if (accountClient != null) {
            accountClient.close();
        }
        registry.all().forEach(s -> s.closeFromAnyThread());
        if (admin != null) {
            admin.close();
        }
        if (http != null) {
            http.close();
        }
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        if (metrics != null) {
            metrics.close();
        }
        meterRegistry.close();
    }

    /** Start-up failed; the message is the one line the operator sees. */
    public static final class StartupException extends Exception {
        public StartupException(String message) {
            super(message);
        }
    }
}
