package io.sluice.proxy.session;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The backend connections of one event loop: idle ones by {@link Key}, and a bound on how many are open per
 * server. Sessions borrow a connection for a statement and give it back when they hold no state on it, so many
 * client connections share few backend connections (multiplexing).
 *
 * <p>One pool per event loop, used only from that loop: connections never change threads, and nothing here
 * needs a lock. The configured {@code pool.max_per_backend} is divided among the loops.
 */
final class LinkPool {
    /**
     * What makes two connections interchangeable: the server, the user and secret they logged in with, and the
     * capability flags and character set that shape the packets relayed on them.
     */
    record Key(String server, String user, String secretDigest, long capabilities, int characterSet) {
    }

    /**
     * The idle connections of one key, with its server's counts. Sessions and links keep a reference to theirs, so a
     * statement's borrow and give-back touch no map: hashing the key twice per statement showed in the point-select
     * profile.
     */
    static final class Slot {
        final Key key;
        private final ArrayDeque<ServerLink> idle = new ArrayDeque<>();
        private final Counts counts;

        private Slot(Key key, Counts counts) {
            this.key = key;
            this.counts = counts;
        }
    }

    /** One server's counts and waiters; written on the pool's loop only, counts read from any thread. */
    private static final class Counts {
        volatile int open;
        volatile int idle;
        /** Sessions waiting for a connection to this server; null until the first. Loop only. */
        ArrayDeque<Waiter> waiters;
    }

    /** A session waiting for a connection to a server whose bound is reached. */
    private record Waiter(Slot slot, Consumer<ServerLink> then, Runnable timedOut, ScheduledFuture<?> timer) {
    }

    private final EventExecutor loop;
    private final int maxPerServer;
    private final Map<Key, Slot> slots = new HashMap<>();
    /**
     * Open and idle counts per server: written on the loop only, read by metrics from any thread. A mutable holder
     * per server rather than boxed values in a map: every statement borrows and gives back, and {@code merge} with
     * boxing showed in the point-select profile.
     */
    private final Map<String, Counts> counts = new ConcurrentHashMap<>();
    /** Whether a reload removed the server: its connections are closed when given back (lock-free; any thread). */
    private final java.util.function.Predicate<String> retired;

    LinkPool(EventExecutor loop, int maxPerServer) {
        this(loop, maxPerServer, server -> false);
    }

    LinkPool(EventExecutor loop, int maxPerServer, java.util.function.Predicate<String> retired) {
        this.loop = loop;
        this.maxPerServer = maxPerServer;
        this.retired = retired;
    }

    /** This pool's slot for a key: what a session keeps per server, and every link it opens carries. */
    Slot slot(Key key) {
        Slot s = slots.get(key);
        if (s == null) {
            s = new Slot(key, counts(key.server()));
            slots.put(key, s);
        }
        return s;
    }

    /** An idle, live connection of this slot's key, or null. */
    ServerLink borrow(Slot slot) {
        ArrayDeque<ServerLink> q = slot.idle;
        while (!q.isEmpty()) {
            ServerLink l = q.pollLast();
            slot.counts.idle--;   // single writer: the pool's loop
            if (l.connection.isActive()) {
                return l;
            }
        }
        return null;
    }

    /** Whether a new connection to this server may be opened now; if so it is counted as open. */
    boolean reserve(String server) {
        Counts c = counts(server);
        if (c.open >= maxPerServer) {
            // Make room by closing an idle connection of another user to the same server, if there is one.
            if (!evictIdle(server)) {
                return false;
            }
        }
        c.open++;
        return true;
    }

    /** Counts a connection opened regardless of the bound (a login only the server can verify). */
    void reserveAnyway(String server) {
        counts(server).open++;
    }

    /** A reserved connection could not be opened, or an open one closed. */
    void released(String server) {
        counts(server).open--;
        wakeOneWaiter(server);
    }

    private Counts counts(String server) {
        Counts c = counts.get(server);
        if (c == null) {
            c = new Counts();
            counts.put(server, c);
        }
        return c;
    }

    /** Called when a connection's channel closes, wherever it was. */
    void closed(ServerLink link) {
        if (link.closedByPool) {
            return; // counted when it was evicted
        }
        if (link.slot.idle.remove(link)) {
            link.slot.counts.idle--;
        }
        released(link.server);
    }

    /** A session gives a connection back; a session waiting for one of this key gets it at once. */
    void giveBack(ServerLink link) {
        if (!link.connection.isActive()) {
            return; // its close listener accounts for it
        }
        link.connection.listener(null);
        if (retired.test(link.server)) {
            link.connection.close(); // its close listener (closed) releases the count
            return;
        }
        Slot slot = link.slot;
        ArrayDeque<Waiter> ws = slot.counts.waiters;
        if (ws != null) {
            for (Iterator<Waiter> it = ws.iterator(); it.hasNext(); ) {
                Waiter w = it.next();
                if (w.slot == slot) {
                    it.remove();
                    w.timer.cancel(false);
                    w.then.accept(link);
                    return;
                }
            }
        }
        slot.idle.addLast(link);
        slot.counts.idle++;
        if (ws != null && !ws.isEmpty()) {
            // Someone waits for this server under another key: an idle connection of ours can make room.
            wakeOneWaiter(link.server);
        }
    }

    /**
     * Waits for a connection of this key (given back by another session), or for room to open one ({@code then}
     * receives null: the caller opens it, already counted). {@code timedOut} runs if neither comes in time.
     */
    void await(Slot slot, long timeoutMillis, Consumer<ServerLink> then, Runnable timedOut) {
        Counts c = slot.counts;
        if (c.waiters == null) {
            c.waiters = new ArrayDeque<>();
        }
        ArrayDeque<Waiter> ws = c.waiters;
        Waiter[] self = new Waiter[1];
        ScheduledFuture<?> timer = loop.schedule(() -> {
            if (ws.remove(self[0])) {
                timedOut.run();
            }
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        self[0] = new Waiter(slot, then, timedOut, timer);
        ws.addLast(self[0]);
    }

    private void wakeOneWaiter(String server) {
        ArrayDeque<Waiter> ws = counts(server).waiters;
        if (ws == null || ws.isEmpty()) {
            return;
        }
        Waiter w = ws.peekFirst();
        ServerLink l = borrow(w.slot);
        if (l != null) {
            ws.pollFirst();
            w.timer.cancel(false);
            w.then.accept(l);
        } else if (reserve(server)) {
            ws.pollFirst();
            w.timer.cancel(false);
            w.then.accept(null);
        }
    }

    private boolean evictIdle(String server) {
        for (Slot s : slots.values()) {
            if (s.key.server().equals(server) && !s.idle.isEmpty()) {
                ServerLink l = s.idle.pollFirst();
                s.counts.idle--;
                l.connection.close(); // its close listener does not count it again (closedByPool)
                s.counts.open--;
                l.closedByPool = true;
                return true;
            }
        }
        return false;
    }

    /** Closes the idle connections to {@code server} (the admin's {@code OFFLINE HARD}); on the pool's loop. */
    void closeIdle(String server) {
        for (Slot s : slots.values()) {
            if (s.key.server().equals(server)) {
                while (!s.idle.isEmpty()) {
                    ServerLink l = s.idle.pollFirst();
                    s.counts.idle--;
                    l.connection.close(); // its close listener (closed) releases the count
                }
            }
        }
    }

    EventExecutor loop() {
        return loop;
    }

    /** Open connections to a server from this loop (for tests and metrics; any thread). */
    int openCount(String server) {
        Counts c = counts.get(server);
        return c == null ? 0 : c.open;
    }

    /** Idle connections to a server in this pool (for metrics; any thread). */
    int idleCount(String server) {
        Counts c = counts.get(server);
        return c == null ? 0 : c.idle;
    }

    int idleCount() {
        return slots.values().stream().mapToInt(s -> s.idle.size()).sum();
    }
}
