package io.sluice.proxy.session;

import io.sluice.proxy.gtid.GtidTracking;
import io.sluice.proxy.backend.BackendEndpoint;
import io.sluice.routing.classify.Classification;
import io.sluice.routing.classify.Consistency;
import io.sluice.routing.route.LoadView;
import io.sluice.routing.route.RouteDecision;
import io.sluice.routing.route.Router;
import io.sluice.routing.route.SessionRouting;
import io.sluice.routing.topology.ServerView;
import io.sluice.routing.topology.TopologySnapshot;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * {@link Routes} over the monitor's topology: the router decides, the topology says who the source is, and
 * in-flight counts per server feed the least-outstanding replica choice, and the GTID tracker tells which servers
 * have applied what a consistent read must see.
 */
public final class TopologyRoutes implements Routes {
    private final Supplier<TopologySnapshot> topology;
    /** Replaced whole by a configuration reload; each decision reads it once. */
    private volatile Router router;
    private final GtidTracking gtids;
    /**
     * By name, in configuration order: an immutable map replaced whole when a reload adds or removes a backend, so
     * that sessions read it without a lock.
     */
    private volatile Map<String, BackendEndpoint> endpoints;
    private final Map<String, AtomicInteger> outstanding = new ConcurrentHashMap<>();
    private final LoadView load = server -> {
        AtomicInteger n = outstanding.get(server);
        return n == null ? 0 : n.get();
    };

    public TopologyRoutes(Supplier<TopologySnapshot> topology, Router router, List<BackendEndpoint> endpoints) {
        this(topology, router, endpoints, GtidTracking.NONE);
    }

    public TopologyRoutes(Supplier<TopologySnapshot> topology, Router router, List<BackendEndpoint> endpoints,
                          GtidTracking gtids) {
        this.topology = topology;
        this.router = router;
        this.gtids = gtids;
        Map<String, BackendEndpoint> byName = new LinkedHashMap<>();
        for (BackendEndpoint e : endpoints) {
            byName.put(e.name(), e);
            outstanding.put(e.name(), new AtomicInteger());
        }
        if (byName.isEmpty()) {
            throw new IllegalArgumentException("no backends");
        }
        this.endpoints = java.util.Collections.unmodifiableMap(byName);
    }

    /**
     * A reload added a backend: sessions may open connections to it from now on. The router chooses it only once
     * the monitor's snapshots include it, i.e. after its first check. Serialised with {@link #removeEndpoint}, which
     * runs on an event loop when a removed backend's drain ends, perhaps during another reload.
     */
    public synchronized void addEndpoint(BackendEndpoint endpoint) {
        Map<String, BackendEndpoint> next = new LinkedHashMap<>(endpoints);
        if (next.putIfAbsent(endpoint.name(), endpoint) != null) {
            throw new IllegalArgumentException("two backends are named " + endpoint.name());
        }
        outstanding.putIfAbsent(endpoint.name(), new AtomicInteger());
        endpoints = java.util.Collections.unmodifiableMap(next);
    }

    /**
     * A reload removed a backend, and its statements in flight are over: no session opens a connection to it any
     * more. Never leaves no backend.
     */
    public synchronized void removeEndpoint(String server) {
        Map<String, BackendEndpoint> next = new LinkedHashMap<>(endpoints);
        if (next.remove(server) == null) {
            return;
        }
        if (next.isEmpty()) {
            throw new IllegalStateException("cannot remove the last backend " + server);
        }
        endpoints = java.util.Collections.unmodifiableMap(next);
        outstanding.remove(server);
    }

    @Override
    public String primary() {
        TopologySnapshot t = topology.get();
        // Without a source (it died; a failover may be promoting another), logins and unrouted commands go to a live
        // replica rather than to a dead server: writes are held or refused by the router, not by a failed login.
        return t.source().map(ServerView::name).or(() -> t.servers().stream()
                .filter(v -> v.reachable() && v.role() == io.sluice.routing.topology.Role.REPLICA)
                .map(ServerView::name).findFirst()).orElse(endpoints.keySet().iterator().next());
    }

    @Override
    public BackendEndpoint endpoint(String server) {
        BackendEndpoint e = endpoints.get(server);
        if (e == null) {
            throw new IllegalArgumentException("unknown server " + server);
        }
        return e;
    }

    @Override
    public RouteDecision route(Classification statement, SessionRouting session, boolean prepared) {
        TopologySnapshot t = topology.get();
        return prepared ? router.routePrepared(statement, session, t, load, gtids)
                : router.route(statement, session, t, load, gtids);
    }

    @Override
    public RouteDecision route(Classification statement, SessionRouting session, boolean prepared,
                               java.util.Set<String> avoid) {
        if (avoid.isEmpty()) {
            return route(statement, session, prepared);
        }
        TopologySnapshot t = topology.get();
        List<ServerView> servers = new java.util.ArrayList<>(t.servers().size());
        for (ServerView v : t.servers()) {
            servers.add(avoid.contains(v.name()) ? new ServerView(v.name(), v.role(), false, v.replicating(),
                    v.lagMillis(), v.weight(), v.readOnly()) : v);
        }
        TopologySnapshot without = new TopologySnapshot(t.version(), servers);
        return prepared ? router.routePrepared(statement, session, without, load, gtids)
                : router.route(statement, session, without, load, gtids);
    }

    /**
     * How long a statement that needs the source waits for one when there is none (a failover may be promoting a
     * new one); zero: refused at once ({@code failover.mode: off}).
     */
    public void sourceHold(java.time.Duration hold) {
        this.sourceHold = java.util.Objects.requireNonNull(hold, "hold");
    }

    @Override
    public java.time.Duration sourceHold() {
        return sourceHold;
    }

    private volatile java.time.Duration sourceHold = java.time.Duration.ZERO;
    private volatile java.util.function.Supplier<Promotion> promotions = () -> null;
    private volatile boolean lostWriteError = true;

    /** Where sessions learn of failovers, and whether a lost write is an error for them. */
    public void promotions(java.util.function.Supplier<Promotion> source, boolean lostWriteError) {
        this.promotions = java.util.Objects.requireNonNull(source, "source");
        this.lostWriteError = lostWriteError;
    }

    @Override
    public Promotion lastPromotion() {
        return promotions.get();
    }

    @Override
    public boolean lostWriteError() {
        return lostWriteError;
    }

    /** A reload changed {@code routing.*}: the next decisions use {@code next}. */
    public void replaceRouter(Router next) {
        router = java.util.Objects.requireNonNull(next, "next");
    }

    @Override
    public GtidTracking gtids() {
        return gtids;
    }

    @Override
    public Consistency defaultConsistency() {
        return router.policy().consistency();
    }

    @Override
    public java.time.Duration causalWaitOf(SessionRouting session) {
        return session.causalWait().orElse(router.policy().causalWait());
    }

    @Override
    public Consistency consistencyOf(Classification statement, SessionRouting session) {
        return router.consistencyOf(statement, session);
    }

    @Override
    public void started(String server) {
        AtomicInteger n = outstanding.get(server);
        if (n != null) {
            n.incrementAndGet();
        }
    }

    @Override
    public int inFlight(String server) {
        return Math.max(0, load.outstanding(server));
    }

    @Override
    public void finished(String server) {
        AtomicInteger n = outstanding.get(server);
        if (n != null) {
            n.decrementAndGet();
        }
    }
}
