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
    private final Map<String, BackendEndpoint> endpoints;
    private final String firstConfigured;
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
        this.endpoints = new LinkedHashMap<>();
        for (BackendEndpoint e : endpoints) {
            this.endpoints.put(e.name(), e);
            outstanding.put(e.name(), new AtomicInteger());
        }
        this.firstConfigured = endpoints.get(0).name();
    }

    @Override
    public String primary() {
        TopologySnapshot t = topology.get();
        // Without a source (it died; a failover may be promoting another), logins and unrouted commands go to a live
        // replica rather than to a dead server: writes are held or refused by the router, not by a failed login.
        return t.source().map(ServerView::name).or(() -> t.servers().stream()
                .filter(v -> v.reachable() && v.role() == io.sluice.routing.topology.Role.REPLICA)
                .map(ServerView::name).findFirst()).orElse(firstConfigured);
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
