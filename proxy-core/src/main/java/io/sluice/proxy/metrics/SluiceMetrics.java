package io.sluice.proxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.sluice.protocol.Command;
import io.sluice.routing.route.Reason;
import io.sluice.routing.topology.ServerView;
import io.sluice.routing.topology.TopologySnapshot;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * {@link ProxyMetrics} on Micrometer, for the Prometheus registry. Every meter the statement path touches is registered
 * here, up front, and reached by array index (command, route and reason ordinals) or by a map built once (server names),
 * so counting a statement allocates nothing and never looks a meter up by its tags. Errors are counted per MySQL code
 * in an array indexed by the 16-bit code, each counter registered the first time its code is seen.
 *
 * <p>Names, as Prometheus shows them (Micrometer appends {@code _total} to counters and the base unit to the rest):
 * <ul>
 *   <li>{@code sluice_client_connections} (gauge), {@code sluice_client_connections_accepted_total},
 *       {@code sluice_client_connections_refused_total}</li>
 *   <li>{@code sluice_client_received_bytes_total}, {@code sluice_client_sent_bytes_total}</li>
 *   <li>{@code sluice_commands_total{command}}: every client command, by type ({@code query}, {@code stmt_execute},
 *       {@code ping}...; {@code unknown} for a byte naming none)</li>
 *   <li>{@code sluice_queries_total{route,reason}}: statements the router placed: route {@code source},
 *       {@code replica} or {@code fallback}; reason {@link Reason} in lower case</li>
 *   <li>{@code sluice_query_duration_seconds{route}}: histogram of the time from a command's first packet to the end of
 *       its response, as the client sees it; route as above, or {@code none} for commands the router does not place</li>
 *   <li>{@code sluice_errors_total{code}}: ERR packets sent to clients, Sluice's own and relayed ones, by MySQL code</li>
 *   <li>per backend, tag {@code server}: {@code sluice_backend_connections{state=in_use|idle}},
 *       {@code sluice_backend_in_flight}, {@code sluice_backend_errors_total} (connections that failed to open or were
 *       lost), {@code sluice_backend_lag_seconds} (NaN when unknown), {@code sluice_backend_reachable},
 *       {@code sluice_backend_source} (1 for the source), {@code sluice_backend_admin_offline} (0 online, 1 soft,
 *       2 hard); a backend added by a reload gets its meters at once, and a removed one's leave the registry once
 *       it is gone (they are not kept at zero)</li>
 *   <li>{@code sluice_draining} (1 from SIGTERM to exit)</li>
 *   <li>JVM and process: {@code jvm_memory_*}, {@code jvm_gc_*}, {@code jvm_threads_*}, {@code system_cpu_*},
 *       {@code process_cpu_usage}, {@code process_uptime_seconds}</li>
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class SluiceMetrics implements ProxyMetrics, AutoCloseable {
    /** Latency buckets: from sub-millisecond cache hits to statements that take seconds. */
    private static final Duration[] BUCKETS = {
            Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2),
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};
    private static final Command[] COMMANDS = Command.values();
    private static final Reason[] REASONS = Reason.values();
    private static final RouteTarget[] ROUTED = {RouteTarget.SOURCE, RouteTarget.REPLICA, RouteTarget.FALLBACK};

    /** The source's name in a topology snapshot, computed once per snapshot. */
    private record SourceOf(TopologySnapshot snapshot, String source) {
    }

    private final MeterRegistry registry;
    private final Supplier<TopologySnapshot> topology;
    private final Counter accepted;
    private final Counter refused;
    private final Counter received;
    private final Counter sent;
    /** By {@link Command#ordinal()}; the last one for unknown command bytes. */
    private final Counter[] commands = new Counter[COMMANDS.length + 1];
    /** By route ordinal (source, replica, fallback) then reason ordinal. */
    private final Counter[][] routed = new Counter[ROUTED.length][REASONS.length];
    /** By {@link RouteTarget#ordinal()}. */
    private final Timer[] latency = new Timer[RouteTarget.values().length];
    /** Causal waits that ended with a replica caught up [1], or timed out [0]. */
    private final Timer[] causalWaits = new Timer[2];
    /** Fenced replica reads that the replica confirmed [1], or that ran again on the source [0]. */
    private final Counter[] fences = new Counter[2];
    /** Reads sent again after their server died under them, that then succeeded [1] or failed [0]. */
    private final Counter[] readRetries = new Counter[2];
    private final AtomicReferenceArray<Counter> errors = new AtomicReferenceArray<>(1 << 16);
    /** Read on the statement path; a reload adds and removes entries. */
    private final Map<String, Counter> backendErrors = new java.util.concurrent.ConcurrentHashMap<>();
    /** The backends reported now; replaced whole (under this object's lock) by {@link #addServer}/{@link #removeServer}. */
    private volatile List<String> servers;
    /** Every per-server meter registered, by server, so that a removed backend's can be taken out of the registry. */
    private final Map<String, List<io.micrometer.core.instrument.Meter>> serverMeters = new HashMap<>();
    /** What {@link #bindGauges}, {@link #bindTracker} and {@link #bindFailover} were given; null until then. */
    private Gauges gauges;
    private io.sluice.proxy.gtid.GtidTracker tracker;
    private io.sluice.proxy.failover.Failover failover;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private volatile SourceOf sourceOf;

    /**
     * @param servers  the configured backends' names
     * @param topology the monitor's snapshot, for which server is the source; {@code null} without a monitor (then the
     *                 one server every statement goes to counts as the source)
     */
    public SluiceMetrics(MeterRegistry registry, List<String> servers, Supplier<TopologySnapshot> topology) {
        this.registry = registry;
        this.servers = List.copyOf(servers);
        this.topology = topology;
        accepted = Counter.builder("sluice.client.connections.accepted")
                .description("Client connections admitted").register(registry);
        refused = Counter.builder("sluice.client.connections.refused")
                .description("Client connections refused (max_connections)").register(registry);
        received = Counter.builder("sluice.client.received").baseUnit("bytes")
                .description("Bytes received from clients").register(registry);
        sent = Counter.builder("sluice.client.sent").baseUnit("bytes")
                .description("Bytes sent to clients").register(registry);
        for (Command c : COMMANDS) {
            commands[c.ordinal()] = commandCounter(c.name().toLowerCase(Locale.ROOT));
        }
        commands[COMMANDS.length] = commandCounter("unknown");
        for (RouteTarget route : ROUTED) {
            for (Reason reason : REASONS) {
                routed[route.ordinal()][reason.ordinal()] = Counter.builder("sluice.queries")
                        .description("Statements placed by the router, by route and reason")
                        .tag("route", route.tag()).tag("reason", reason.name().toLowerCase(Locale.ROOT))
                        .register(registry);
            }
        }
        for (RouteTarget route : RouteTarget.values()) {
            latency[route.ordinal()] = Timer.builder("sluice.query.duration")
                    .description("Time from a command's first packet to the end of its response, as clients see it")
                    .tag("route", route.tag())
                    .serviceLevelObjectives(BUCKETS)
                    .register(registry);
        }
        for (String s : this.servers) {
            registerErrors(s);
        }
        for (int i = 0; i < 2; i++) {
            causalWaits[i] = Timer.builder("sluice.causal.wait")
                    .description("Consistent reads that waited for a replica to apply their GTIDs, by outcome")
                    .tag("outcome", i == 1 ? "reached" : "timed_out").serviceLevelObjectives(BUCKETS)
                    .register(registry);
            fences[i] = Counter.builder("sluice.causal.fences")
                    .description("Replica reads fenced on the engine commit (MASTER_GTID_WAIT pipelined), by outcome")
                    .tag("outcome", i == 1 ? "confirmed" : "retried_on_source").register(registry);
            readRetries[i] = Counter.builder("sluice.read.retries")
                    .description("Autocommit reads sent again to another server after theirs died under them, by"
                            + " outcome").tag("outcome", i == 1 ? "succeeded" : "failed").register(registry);
        }
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    private Counter commandCounter(String command) {
        return Counter.builder("sluice.commands").description("Client commands, by type").tag("command", command)
                .register(registry);
    }

    /** What the gauges read; every function is called from the scraping thread and must be thread-safe. */
    public record Gauges(Supplier<Number> clientConnections, Supplier<Number> draining,
                         ToDoubleFunction<String> backendInUse, ToDoubleFunction<String> backendIdle,
                         ToDoubleFunction<String> backendInFlight, ToDoubleFunction<String> adminOffline) {
    }

    /** Registers the gauges, read at each scrape. */
    public synchronized void bindGauges(Gauges g) {
        Gauge.builder("sluice.client.connections", g.clientConnections())
                .description("Client connections open now").strongReference(true).register(registry);
        Gauge.builder("sluice.draining", g.draining())
                .description("1 while Sluice drains before exiting").strongReference(true).register(registry);
        gauges = g;
        for (String s : servers) {
            registerGauges(s, g);
        }
    }

    /**
     * A reload added a backend: its per-server meters are registered as those of the backends Sluice started with
     * (the gauges, the tracker's and the failover's, once those are bound).
     */
    public synchronized void addServer(String server) {
        if (servers.contains(server)) {
            return;
        }
        List<String> next = new java.util.ArrayList<>(servers);
        next.add(server);
        servers = List.copyOf(next);
        registerErrors(server);
        if (gauges != null) {
            registerGauges(server, gauges);
        }
        if (tracker != null) {
            registerTracker(server, tracker);
        }
        if (failover != null) {
            registerFailover(server, failover);
        }
    }

    /** A reload removed a backend, and it is gone: its per-server meters leave the registry (and the scrapes). */
    public synchronized void removeServer(String server) {
        servers = servers.stream().filter(s -> !s.equals(server)).toList();
        backendErrors.remove(server);
        List<io.micrometer.core.instrument.Meter> meters = serverMeters.remove(server);
        if (meters != null) {
            meters.forEach(registry::remove);
        }
    }

    /** The backends whose meters are reported now. */
    public List<String> servers() {
        return servers;
    }

    private <M extends io.micrometer.core.instrument.Meter> M track(String server, M meter) {
        serverMeters.computeIfAbsent(server, k -> new java.util.ArrayList<>()).add(meter);
        return meter;
    }

    private void registerErrors(String s) {
        backendErrors.put(s, track(s, Counter.builder("sluice.backend.errors")
                .description("Backend connections that failed to open or were lost").tag("server", s)
                .register(registry)));
    }

    private void registerGauges(String s, Gauges g) {
        serverGauge("sluice.backend.connections", s, "Backend connections open, by state", () -> g.backendInUse()
                .applyAsDouble(s), "state", "in_use");
        serverGauge("sluice.backend.connections", s, "Backend connections open, by state", () -> g.backendIdle()
                .applyAsDouble(s), "state", "idle");
        serverGauge("sluice.backend.in_flight", s, "Commands sent to the server and not yet answered",
                () -> g.backendInFlight().applyAsDouble(s));
        serverGauge("sluice.backend.admin_offline", s, "Set offline by the admin interface: 0 online, 1 soft, 2 hard",
                () -> g.adminOffline().applyAsDouble(s));
        if (topology != null) {
            track(s, Gauge.builder("sluice.backend.lag", () -> lagSeconds(s)).baseUnit("seconds")
                    .description("Replication lag measured with the heartbeat (NaN when unknown)")
                    .tag("server", s).strongReference(true).register(registry));
            serverGauge("sluice.backend.reachable", s, "1 when the monitor's last check reached the server",
                    () -> view(s).map(v -> v.reachable() ? 1 : 0).orElse(0));
            serverGauge("sluice.backend.source", s, "1 for the source", () -> s.equals(sourceName()) ? 1 : 0);
        }
    }

    private void serverGauge(String name, String server, String description, Supplier<Number> f, String... tags) {
        track(server, Gauge.builder(name, f).description(description).tag("server", server).tags(tags)
                .strongReference(true).register(registry));
    }

    private java.util.Optional<ServerView> view(String server) {
        return topology.get().server(server);
    }

    private double lagSeconds(String server) {
        return view(server).filter(v -> v.reachable() && v.lagMillis() >= 0).map(v -> v.lagMillis() / 1000.0)
                .orElse(Double.NaN);
    }

    // ------------------------------------------------------------------ the statement path

    @Override
    public void clientAccepted() {
        accepted.increment();
    }

    @Override
    public void clientRefused() {
        refused.increment();
    }

    public void bytesReceived(int n) {
        received.increment(n);
    }

    public void bytesSent(int n) {
        sent.increment(n);
    }

    @Override
    public void command(Command command) {
        commands[command == null ? COMMANDS.length : command.ordinal()].increment();
    }

    @Override
    public RouteTarget routed(String server, Reason reason) {
        RouteTarget route = reason == Reason.READ_FALLBACK_SOURCE ? RouteTarget.FALLBACK
                : topology == null || server.equals(sourceName()) ? RouteTarget.SOURCE : RouteTarget.REPLICA;
        routed[route.ordinal()][reason.ordinal()].increment();
        return route;
    }

    /** The source's name in the current snapshot, recomputed only when the monitor publishes a new one. */
    private String sourceName() {
        TopologySnapshot t = topology.get();
        SourceOf s = sourceOf;
        if (s == null || s.snapshot() != t) {
            s = new SourceOf(t, t.servers().stream().filter(v -> v.role() == io.sluice.routing.topology.Role.SOURCE)
                    .map(ServerView::name).findFirst().orElse(null));
            sourceOf = s;
        }
        return s.source();
    }

    @Override
    public void latency(RouteTarget route, long nanos) {
        latency[route.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void error(int code) {
        int i = code & 0xFFFF;
        Counter c = errors.get(i);
        if (c == null) {
            // First time this code is seen; registering is idempotent, so a race registers it once.
            c = Counter.builder("sluice.errors").description("ERR packets sent to clients, by MySQL error code")
                    .tag("code", Integer.toString(i)).register(registry);
            errors.set(i, c);
        }
        c.increment();
    }

    @Override
    public void backendError(String server) {
        Counter c = backendErrors.get(server);
        if (c != null) {
            c.increment();
        }
    }

    // ------------------------------------------------------------------ read back, for the admin interface

    /** Statements placed on {@code route} for {@code reason} so far. */
    @Override
    public void causalWait(boolean reached, long nanos) {
        causalWaits[reached ? 1 : 0].record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void fence(boolean confirmed) {
        fences[confirmed ? 1 : 0].increment();
    }

    @Override
    public void readRetry(boolean succeeded) {
        readRetries[succeeded ? 1 : 0].increment();
    }

    /** Reads sent again after their server died, so far, that {@code succeeded} (or failed). */
    public long readRetries(boolean succeeded) {
        return (long) readRetries[succeeded ? 1 : 0].count();
    }

    /** Causal waits so far that ended {@code reached} (or timed out). */
    public long causalWaits(boolean reached) {
        return causalWaits[reached ? 1 : 0].count();
    }

    /** Total time spent in causal waits that ended {@code reached} (or timed out), in milliseconds. */
    public double causalWaitMillis(boolean reached) {
        return causalWaits[reached ? 1 : 0].totalTime(TimeUnit.MILLISECONDS);
    }

    /** Fenced replica reads so far, {@code confirmed} or run again on the source. */
    public long fences(boolean confirmed) {
        return (long) fences[confirmed ? 1 : 0].count();
    }

    /**
     * Per server, what the GTID tracker knows: {@code sluice_gtid_tracker_mode} (2 stream, 1 polling, 0 down),
     * {@code sluice_gtid_tracker_last_event_age_seconds} (since the server was last heard from), and
     * {@code sluice_gtid_transactions_total} (transactions followed from its stream).
     */
    public synchronized void bindTracker(io.sluice.proxy.gtid.GtidTracker tracker) {
        this.tracker = tracker;
        for (String s : servers) {
            registerTracker(s, tracker);
        }
    }

    private void registerTracker(String s, io.sluice.proxy.gtid.GtidTracker tracker) {
        track(s, Gauge.builder("sluice.gtid.tracker.mode", () -> switch (tracker.mode(s)) {
            case STREAM -> 2;
            case POLLING -> 1;
            case DOWN -> 0;
        }).description("How the GTID tracker follows the server: 2 binlog stream, 1 polling, 0 down")
                .tag("server", s).strongReference(true).register(registry));
        track(s, Gauge.builder("sluice.gtid.tracker.last.event.age", () -> tracker.stats(s)
                        .map(st -> (System.nanoTime() - st.lastEventNanos()) / 1e9).orElse(Double.NaN))
                .baseUnit("seconds").description("Since the GTID tracker last heard from the server")
                .tag("server", s).strongReference(true).register(registry));
        track(s, io.micrometer.core.instrument.FunctionCounter.builder("sluice.gtid.transactions", tracker,
                        t -> t.stats(s).map(st -> (double) st.transactionsApplied()).orElse(0.0))
                .description("Transactions the GTID tracker followed in the server's binlog stream")
                .tag("server", s).register(registry));
    }

    /**
     * Automatic failover: {@code sluice_failovers_total} (promotions done), {@code sluice_failover_in_progress}
     * (1 while one runs), {@code sluice_failover_last_duration_seconds} (from the verdict to the end of the last
     * one; NaN before any) and, per server, {@code sluice_backend_fenced} (1 for an old source Sluice no longer
     * routes to).
     */
    public synchronized void bindFailover(io.sluice.proxy.failover.Failover failover) {
        this.failover = failover;
        io.micrometer.core.instrument.FunctionCounter.builder("sluice.failovers", failover, f -> f.failovers())
                .description("Failovers that promoted a server, automatic or forced with FAILOVER").register(registry);
        Gauge.builder("sluice.failover.in.progress", () -> failover.inProgress() ? 1 : 0)
                .description("1 while an automatic failover runs").strongReference(true).register(registry);
        Gauge.builder("sluice.failover.last.duration", () -> failover.lastDurationMillis() < 0 ? Double.NaN
                        : failover.lastDurationMillis() / 1e3).baseUnit("seconds")
                .description("How long the last failover took, from the verdict to the last replica repointed")
                .strongReference(true).register(registry);
        for (String s : servers) {
            registerFailover(s, failover);
        }
    }

    private void registerFailover(String s, io.sluice.proxy.failover.Failover failover) {
        track(s, Gauge.builder("sluice.backend.fenced", () -> failover.fenced().contains(s) ? 1 : 0)
                .description("1 for an old source that Sluice no longer routes to").tag("server", s)
                .strongReference(true).register(registry));
    }

    public long queries(RouteTarget route, Reason reason) {
        if (route == RouteTarget.NONE) {
            return 0;
        }
        return (long) routed[route.ordinal()][reason.ordinal()].count();
    }

    /** Backend connections to {@code server} that failed to open or were lost so far. */
    public long backendErrors(String server) {
        Counter c = backendErrors.get(server);
        return c == null ? 0 : (long) c.count();
    }

    public MeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        gc.close();
    }
}
