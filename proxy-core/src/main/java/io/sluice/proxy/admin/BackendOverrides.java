package io.sluice.proxy.admin;

import io.sluice.routing.topology.Role;
import io.sluice.routing.topology.ServerView;
import io.sluice.routing.topology.TopologySnapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Backends an operator took offline with {@code SET BACKEND <name> OFFLINE SOFT|HARD}, applied to the topology the
 * router sees, so that the router itself needs no notion of it:
 * <ul>
 *   <li>{@link Mode#SOFT}: the server loses its role ({@link Role#UNKNOWN}) and so is never chosen for a new
 *       statement, neither as the source nor as a replica; it stays reachable, so a transaction already open there
 *       goes on to its end (the router sends a transaction's statements wherever it is, if reachable).</li>
 *   <li>{@link Mode#HARD}: also unreachable, so a transaction there fails as on a lost server; the admin command
 *       closes the connections to it as well.</li>
 * </ul>
 * Taking the source offline stops writes (they are refused: no source), as it should for its maintenance.
 *
 * <p>A backend a configuration reload removes is {@link #retire retired} the same way as {@code OFFLINE SOFT} while
 * the statements already sent to it finish; then it leaves the monitor and is {@link #forget forgotten} here.
 *
 * <p>{@link #topology()} wraps the monitor's supplier; the overridden snapshot is computed once per monitor snapshot
 * and change of overrides, not per statement. Thread-safe.
 */
public final class BackendOverrides {
    /** How an operator took a backend out. */
    public enum Mode {
        /** No new statements; open transactions finish. */
        SOFT,
        /** No statements; its connections are closed. */
        HARD
    }

    private record Applied(TopologySnapshot raw, long generation, TopologySnapshot result) {
    }

    private final Map<String, Mode> offline = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();
    private volatile Applied applied;

    /**
     * Backends a reload removed, draining before they leave the monitor, with their addresses: treated as
     * {@link Mode#SOFT}.
     */
    private final Map<String, String> retiring = new ConcurrentHashMap<>();

    /**
     * A reload removed {@code server} (at {@code address}): no new statement goes to it; those already there finish
     * (as SOFT).
     */
    public void retire(String server, String address) {
        retiring.put(server, address);
        generation.incrementAndGet();
    }

    /** The servers a reload removed that are still draining, by name, with their addresses. */
    public java.util.SortedMap<String, String> retiring() {
        return new java.util.TreeMap<>(retiring);
    }

    /** The removed server left the monitor: drop what was known of it here (its retirement, an operator's mode). */
    public void forget(String server) {
        retiring.remove(server);
        offline.remove(server);
        generation.incrementAndGet();
    }

    /** Whether a reload removed the server and it is still draining. */
    public boolean retiring(String server) {
        return retiring.containsKey(server);
    }

    public void set(String server, Mode mode) {
        offline.put(server, mode);
        generation.incrementAndGet();
    }

    public void clear(String server) {
        offline.remove(server);
        generation.incrementAndGet();
    }

    /** The operator's mode for this server, or null when it is online. */
    public Mode mode(String server) {
        return offline.get(server);
    }

    /** The monitor's snapshots with the overrides applied. */
    public Supplier<TopologySnapshot> topology(Supplier<TopologySnapshot> monitor) {
        return () -> apply(monitor.get());
    }

    /**
     * Weights set by a configuration reload, which replace those the monitor publishes (it keeps the ones it
     * started with); empty: none.
     */
    public void weights(Map<String, Integer> byServer) {
        weights = Map.copyOf(byServer);
        generation.incrementAndGet();
    }

    private volatile Map<String, Integer> weights = Map.of();

    TopologySnapshot apply(TopologySnapshot raw) {
        Map<String, Integer> w = weights;
        if (offline.isEmpty() && w.isEmpty() && retiring.isEmpty()) {
            return raw;
        }
        long g = generation.get();
        Applied a = applied;
        if (a != null && a.raw() == raw && a.generation() == g) {
            return a.result();
        }
        List<ServerView> servers = new ArrayList<>(raw.servers().size());
        for (ServerView v : raw.servers()) {
            Mode m = offline.get(v.name());
            if (retiring.containsKey(v.name()) && m == null) {
                m = Mode.SOFT;
            }
            int weight = w.getOrDefault(v.name(), v.weight());
            if (m == null) {
                servers.add(weight == v.weight() ? v : new ServerView(v.name(), v.role(), v.reachable(), v.replicating(),
                        v.lagMillis(), weight, v.readOnly()));
            } else {
                servers.add(new ServerView(v.name(), Role.UNKNOWN, v.reachable() && m == Mode.SOFT, v.replicating(),
                        v.lagMillis(), weight, v.readOnly()));
            }
        }
        TopologySnapshot result = new TopologySnapshot(raw.version(), servers);
        applied = new Applied(raw, g, result);
        return result;
    }
}
