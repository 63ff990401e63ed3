package io.sluice.proxy.gtid;

import io.sluice.protocol.gtid.Gtid;
import io.sluice.protocol.gtid.GtidSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * The executed GTID set last published for each server, and the {@link Waiter}s on those sets. The two live together
 * because a waiter is only race-free if its registration is ordered against publication.
 *
 * <h2>Threads</h2>
 * Each server has ONE publisher (its binlog thread in {@link GtidTracker}); {@link #publish} for a server must only be
 * called from that thread. {@link #executed}, {@link #known} and {@link #await} may be called from any thread and never
 * block on I/O; {@link #executed} is a volatile read.
 *
 * <h2>Gates: why a publication costs what it fires, not what is waiting</h2>
 * A replica that lags collects waiters (up to the callers' timeouts) while it applies thousands of transactions a
 * second; checking every waiter on every transaction would make its binlog thread fall further behind exactly then. So
 * each registered waiter is filed under a <em>gate</em>: one GTID of its required set that the server lacked when it
 * was filed. It cannot be satisfied before its gate is in the set, and only the transaction that adds the gate (for
 * MariaDB: any transaction reaching the gate's sequence number in its domain) can put it there. Waiters are kept per
 * domain (MariaDB) or per source UUID and tag (MySQL), ordered by the gate's sequence number, so a transaction looks
 * only at the waiters gated at or below its own sequence number in its own domain. A waiter whose gate is passed but
 * which still lacks something else is filed again under a new gate. A publication that replaces the whole set (a seed
 * or a poll) looks at every gate.
 *
 * <h2>Why a waiter cannot miss a publication</h2>
 * {@link #publish} writes the new set to the server's volatile field, then takes the server's lock to look at the
 * gates. {@link #await} takes the same lock, reads the set, and either finds the requirement met (and fires) or files
 * the waiter under a gate the set it read lacks. If the registration held the lock first, the publication finds the
 * waiter and checks its gate against the new set; if the publication held it first, its set was written before, so
 * the registration reads it.
 *
 * <h2>Firing at most once</h2>
 * A waiter's state goes from pending to fired or cancelled exactly once, by compare-and-set. Whoever wins (a publisher
 * of any of its servers, {@link #await} finding it already met, or {@link Waiter#cancel}) removes it from the other
 * servers; registration skips a waiter that is no longer pending, so a waiter fired through its first server while being
 * filed under its second is not left behind. The callback is handed to the waiter's executor outside every lock, so a
 * slow or throwing executor never blocks registration or another server.
 */
final class WaiterRegistry {
    private static final Logger log = LoggerFactory.getLogger(WaiterRegistry.class);

    /** Copy-on-write: replaced whole (under this registry's lock) when a reload adds or removes a server. */
    private volatile Map<String, Slot> slots;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

    WaiterRegistry(Collection<String> servers) {
        Map<String, Slot> m = new HashMap<>();
        for (String server : servers) {
            if (m.put(Objects.requireNonNull(server, "server"), new Slot(server)) != null) {
                throw new IllegalArgumentException("two servers are named " + server);
            }
        }
        slots = Map.copyOf(m);
    }

    /** Starts keeping a set for one more server (a reload added it); unknown until its first publication. */
    synchronized void add(String server) {
        Objects.requireNonNull(server, "server");
        if (slots.containsKey(server)) {
            throw new IllegalArgumentException("two servers are named " + server);
        }
        Map<String, Slot> m = new HashMap<>(slots);
        m.put(server, new Slot(server));
        slots = Map.copyOf(m);
    }

    /**
     * Forgets a server (a reload removed it). Its waiters that wait on other servers too stay filed there; one waiting
     * on it alone never fires, and its owner's timeout ends it, as for a server that never catches up.
     */
    synchronized void remove(String server) {
        if (!slots.containsKey(server)) {
            return;
        }
        Map<String, Slot> m = new HashMap<>(slots);
        m.remove(server);
        slots = Map.copyOf(m);
    }

    /** The last set published for {@code server}; the empty set if none was, or the server is not one of ours. */
    GtidSet executed(String server) {
        Slot slot = slots.get(server);
        return slot == null ? GtidSet.empty() : slot.executed;
    }

    /** Whether a set has been published for {@code server} (an empty published set is known; an unknown one is not). */
    boolean known(String server) {
        Slot slot = slots.get(server);
        return slot != null && slot.known;
    }

    /** Waiters currently filed on {@code server}. */
    int pending(String server) {
        Slot slot = slots.get(server);
        return slot == null ? 0 : slot.size();
    }

    /** Called, on the publishing thread, after every publication with the server's name; must not block. */
    void addListener(Consumer<String> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    void removeListener(Consumer<String> listener) {
        listeners.remove(listener);
    }

    /**
     * Replaces the executed set of {@code server} (after a seed or a poll), fires the waiters it satisfies and tells the
     * listeners. Only from the server's one publishing thread.
     *
     * A server that is not (or no longer) one of ours is ignored: its follower may publish once more while a reload
     * removes it.
     */
    void publish(String server, GtidSet set) {
        publish(server, set, null);
    }

    /**
     * Like {@link #publish(String, GtidSet)}, when {@code set} is the previous set plus {@code added}: only waiters gated
     * in {@code added}'s domain are looked at.
     */
    void publish(String server, GtidSet set, Gtid added) {
        Slot slot = slots.get(server);
        if (slot == null) {
            log.debug("publication for {} dropped: not tracked (removed by a reload)", server);
            return;
        }
        slot.executed = Objects.requireNonNull(set, "set");
        slot.known = true;
        slot.published(set, added);
        for (Consumer<String> l : listeners) {
            try {
                l.accept(server);
            } catch (RuntimeException e) {
                log.warn("GTID listener {} failed for {}", l, server, e);
            }
        }
    }

    /**
     * Calls {@code onReached} with a server's name, on {@code executor}, once any of {@code servers} has a published set
     * containing {@code required}: straight away if one already has. Names that are not tracked servers are ignored, as
     * are servers whose set is of the other flavour; if no server is left the waiter never fires (the caller's timeout
     * ends it).
     */
    Waiter await(Collection<String> servers, GtidSet required, Executor executor, Consumer<String> onReached) {
        Objects.requireNonNull(servers, "servers");
        Objects.requireNonNull(required, "required");
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(onReached, "onReached");
        // Fast path, without locks: already there, nothing to file.
        for (String name : servers) {
            Slot slot = slots.get(name);
            if (slot != null && covers(slot.executed, required)) {
                Entry done = new Entry(required, executor, onReached, new Slot[0], FIRED);
                done.dispatch(slot.server);
                return done;
            }
        }
        Slot[] chosen = new Slot[servers.size()];
        int n = 0;
        for (String name : servers) {
            Slot slot = slots.get(name);
            if (slot != null && !contains(chosen, n, slot)) {
                chosen[n++] = slot;
            }
        }
        Entry entry = new Entry(required, executor, onReached, n == chosen.length ? chosen : Arrays.copyOf(chosen, n),
                PENDING);
        for (int i = 0; i < entry.slots.length; i++) {
            Slot slot = entry.slots[i];
            if (slot.file(entry, i)) {
                // Met between the fast path and now.
                if (entry.claim()) {
                    entry.leaveAllBut(null);
                    entry.dispatch(slot.server);
                }
                break;
            }
        }
        return entry;
    }

    private static boolean contains(Slot[] slots, int n, Slot slot) {
        for (int i = 0; i < n; i++) {
            if (slots[i] == slot) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code executed} contains {@code required}. A set of the other flavour never will (the server is of the
     * other family), which {@link GtidSet#contains} reports by throwing; here that is simply "no".
     */
    static boolean covers(GtidSet executed, GtidSet required) {
        try {
            return executed.contains(required);
        } catch (IllegalArgumentException otherFlavour) {
            return false;
        }
    }

    /**
     * A GTID of {@code required} that {@code executed} lacks, or null if it lacks none.
     *
     * <p>{@link GtidSet} offers no access to its elements, so the first element of the difference is read back from its
     * canonical text: {@code domain-server-seq} for MariaDB; for MySQL {@code uuid:a-b…} or {@code uuid:tag:a-b…}, of
     * which {@code uuid[:tag]:a} is the first missing transaction.
     *
     * @throws IllegalArgumentException if the two sets are of different flavours
     */
    static Gtid missing(GtidSet required, GtidSet executed) {
        if (executed.contains(required)) {
            return null;
        }
        GtidSet lacking = required.subtract(executed);
        String text = (lacking.isEmpty() ? required : lacking).toString();
        int comma = text.indexOf(',');
        String first = comma < 0 ? text : text.substring(0, comma);
        if (required.flavour().orElseThrow() == GtidSet.Flavour.MARIADB) {
            return Gtid.MariaDb.parse(first);
        }
        // uuid (36 characters) ':' then an interval, or a tag ':' an interval.
        UUID uuid = UUID.fromString(first.substring(0, 36));
        String rest = first.substring(37);
        String tag = "";
        if (!Character.isDigit(rest.charAt(0))) {
            int colon = rest.indexOf(':');
            tag = rest.substring(0, colon);
            rest = rest.substring(colon + 1);
        }
        int end = 0;
        while (end < rest.length() && Character.isDigit(rest.charAt(end))) {
            end++;
        }
        return new Gtid.MySql(uuid, tag, Long.parseLong(rest.substring(0, end)));
    }

    /** Waiters are kept per MariaDB domain, or per MySQL source UUID and tag. */
    private static Object gateKey(Gtid gtid) {
        return gtid instanceof Gtid.MariaDb m ? (Object) m.domainId() : new MySqlKey(((Gtid.MySql) gtid).sourceId(),
                ((Gtid.MySql) gtid).tag());
    }

    private static long gateSequence(Gtid gtid) {
        return gtid instanceof Gtid.MariaDb m ? m.sequence() : ((Gtid.MySql) gtid).sequence();
    }

    private record MySqlKey(UUID sourceId, String tag) {
    }

    private static final int PENDING = 0;
    private static final int FIRED = 1;
    private static final int CANCELLED = 2;

    /** One server's published set and the waiters filed on it. */
    private static final class Slot {
        final String server;
        volatile GtidSet executed = GtidSet.empty();
        volatile boolean known;
        /** Guarded by {@code this}: gate key → gate sequence number (unsigned) → waiters filed there. */
        private final Map<Object, TreeMap<Long, List<Entry>>> gates = new HashMap<>();
        /** Guarded by {@code this}. */
        private int size;

        Slot(String server) {
            this.server = server;
        }

        synchronized int size() {
            return size;
        }

        /**
         * Files {@code e} (whose {@code slots[i]} this is) under a gate the current set lacks.
         *
         * @return true if the current set already contains what it requires (nothing filed)
         */
        synchronized boolean file(Entry e, int i) {
            if (!e.isPending()) {
                return false;
            }
            Gtid gate;
            try {
                gate = missing(e.required, executed);
            } catch (IllegalArgumentException otherFlavour) {
                return false; // never met here: not filed
            }
            if (gate == null) {
                return true;
            }
            add(e, i, gate);
            return false;
        }

        synchronized void unfile(Entry e, int i) {
            Gtid gate = e.gates[i];
            if (gate != null) {
                remove(e, i, gate);
            }
        }

        private void add(Entry e, int i, Gtid gate) {
            e.gates[i] = gate;
            gates.computeIfAbsent(gateKey(gate), k -> new TreeMap<>(Long::compareUnsigned))
                    .computeIfAbsent(gateSequence(gate), k -> new ArrayList<>(2))
                    .add(e);
            size++;
        }

        private void remove(Entry e, int i, Gtid gate) {
            Object key = gateKey(gate);
            TreeMap<Long, List<Entry>> tree = gates.get(key);
            long seq = gateSequence(gate);
            List<Entry> bucket = tree.get(seq);
            for (int k = 0; k < bucket.size(); k++) {
                if (bucket.get(k) == e) {
                    bucket.remove(k);
                    break;
                }
            }
            if (bucket.isEmpty()) {
                tree.remove(seq);
                if (tree.isEmpty()) {
                    gates.remove(key);
                }
            }
            e.gates[i] = null;
            size--;
        }

        /** After {@code set} was published: fires the waiters it satisfies and re-files those it only gets closer to. */
        void published(GtidSet set, Gtid added) {
            List<Entry> reached = null;
            synchronized (this) {
                if (size == 0) {
                    return;
                }
                List<Entry> passed = null;
                if (added != null) {
                    TreeMap<Long, List<Entry>> tree = gates.get(gateKey(added));
                    if (tree == null) {
                        return;
                    }
                    passed = collectPassed(tree.headMap(gateSequence(added), true), set, null);
                } else {
                    for (TreeMap<Long, List<Entry>> tree : gates.values()) {
                        passed = collectPassed(tree, set, passed);
                    }
                }
                if (passed == null) {
                    return;
                }
                for (Entry e : passed) {
                    int i = e.indexOf(this);
                    remove(e, i, e.gates[i]);
                    if (!e.isPending()) {
                        continue; // won elsewhere; whoever won removes it from its other servers
                    }
                    Gtid next;
                    try {
                        next = missing(e.required, set);
                    } catch (IllegalArgumentException otherFlavour) {
                        continue; // the server changed flavour: never met here
                    }
                    if (next != null) {
                        add(e, i, next);
                    } else if (e.claim()) {
                        if (reached == null) {
                            reached = new ArrayList<>(4);
                        }
                        reached.add(e);
                    }
                }
            }
            if (reached != null) {
                for (Entry e : reached) {
                    e.leaveAllBut(this);
                    e.dispatch(server);
                }
            }
        }

        /** Adds to {@code out} (created if null) the waiters of {@code byGate} whose gate {@code set} contains. */
        private List<Entry> collectPassed(Map<Long, List<Entry>> byGate, GtidSet set, List<Entry> out) {
            for (List<Entry> bucket : byGate.values()) {
                // The waiters in a bucket share their gate; a MySQL gate below the added GTID may still be missing.
                Entry first = bucket.get(0);
                if (set.contains(first.gates[first.indexOf(this)])) {
                    if (out == null) {
                        out = new ArrayList<>(bucket.size());
                    }
                    out.addAll(bucket);
                }
            }
            return out;
        }
    }

    /** A filed waiter. Its state changes once, by compare-and-set; see the class comment. */
    private static final class Entry implements Waiter {
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Entry.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final GtidSet required;
        private final Executor executor;
        private final Consumer<String> onReached;
        final Slot[] slots;
        /** Its gate on each of its slots; element {@code i} is guarded by {@code slots[i]}. */
        final Gtid[] gates;
        @SuppressWarnings("unused") // through STATE
        private volatile int state;

        Entry(GtidSet required, Executor executor, Consumer<String> onReached, Slot[] slots, int state) {
            this.required = required;
            this.executor = executor;
            this.onReached = onReached;
            this.slots = slots;
            this.gates = new Gtid[slots.length];
            this.state = state;
        }

        boolean isPending() {
            return state == PENDING;
        }

        boolean claim() {
            return STATE.compareAndSet(this, PENDING, FIRED);
        }

        int indexOf(Slot slot) {
            for (int i = 0; i < slots.length; i++) {
                if (slots[i] == slot) {
                    return i;
                }
            }
            throw new IllegalStateException("waiter not on " + slot);
        }

        @Override
        public boolean cancel() {
            if (STATE.compareAndSet(this, PENDING, CANCELLED)) {
                leaveAllBut(null);
                return true;
            }
            return false;
        }

        void leaveAllBut(Slot except) {
            for (int i = 0; i < slots.length; i++) {
                if (slots[i] != except) {
                    slots[i].unfile(this, i);
                }
            }
        }

        /** Hands the callback to the executor; a rejecting executor (a closed event loop) means nobody is waiting. */
        void dispatch(String server) {
            try {
                executor.execute(() -> onReached.accept(server));
            } catch (RejectedExecutionException e) {
                log.debug("GTID waiter for {} dropped: its executor is shut down", server);
            } catch (RuntimeException e) {
                // A direct executor runs the callback here, on the publisher's thread: keep that thread alive.
                log.warn("GTID waiter callback for {} failed", server, e);
            }
        }

        @Override
        public String toString() {
            return "Waiter[" + required + ", " + switch (state) {
                case PENDING -> "pending";
                case FIRED -> "fired";
                default -> "cancelled";
            } + "]";
        }
    }
}
