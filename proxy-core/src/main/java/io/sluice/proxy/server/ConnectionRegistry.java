package io.sluice.proxy.server;

import io.sluice.proxy.session.FrontendSession;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every client connection of this Sluice instance, by the connection id Sluice gave it in its greeting. Clients
 * see only these ids (in the handshake, {@code CONNECTION_ID()} is the backend's), so {@code KILL <id>} from any
 * connection is resolved here to the session and from there to the backend thread serving it.
 *
 * <p>Thread-safe: sessions on every event loop register and look up concurrently.
 */
public final class ConnectionRegistry {
    private final Map<Long, FrontendSession> sessions = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final AtomicInteger count = new AtomicInteger();
    /** Sessions running a client command; also the monitor object {@link #awaitIdle} waits on. */
    private final AtomicInteger busy = new AtomicInteger();
    /**
     * Threads in {@link #awaitIdle}. The session whose command ends last takes the monitor to wake them only while
     * there are any: once per statement on an idle proxy otherwise, and it showed in the point-select profile.
     */
    private final AtomicInteger awaiting = new AtomicInteger();
    private volatile int maxConnections;

    public ConnectionRegistry(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    public void maxConnections(int max) {
        this.maxConnections = max;
    }

    /** A fresh connection id (never 0, wraps before 2^32 as the protocol's field is 4 bytes). */
    public long newId() {
        long id = nextId.getAndIncrement() & 0xFFFFFFFFL;
        return id == 0 ? newId() : id;
    }

    /** Admits a session, or returns false when {@code max_connections} is reached. */
    public boolean register(long id, FrontendSession session) {
        if (count.incrementAndGet() > maxConnections) {
            count.decrementAndGet();
            return false;
        }
        sessions.put(id, session);
        return true;
    }

    public void unregister(long id) {
        if (sessions.remove(id) != null) {
            count.decrementAndGet();
        }
    }

    public FrontendSession get(long id) {
        return sessions.get(id);
    }

    public int size() {
        return count.get();
    }

    /** A session started running a client command (it entered its in-flight phase). */
    public void commandStarted() {
        busy.incrementAndGet();
    }

    /** A session's command ended (or the session closed while running one). */
    public void commandEnded() {
        // A drain that starts after the decrement sees busy at 0 itself; one before it is counted in awaiting.
        if (busy.decrementAndGet() == 0 && awaiting.get() > 0) {
            synchronized (busy) {
                busy.notifyAll();
            }
        }
    }

    /** Client commands running now. */
    public int busy() {
        return busy.get();
    }

    /**
     * Waits until no session runs a command, or {@code timeoutNanos} has passed: what the shutdown drain waits for.
     * Woken by the session whose command ends last; never polls.
     *
     * @return whether every command ended in time
     */
    public boolean awaitIdle(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        awaiting.incrementAndGet();
        try {
            synchronized (busy) {
                while (busy.get() > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(busy, left);
                }
            }
            return true;
        } finally {
            awaiting.decrementAndGet();
        }
    }

    public Collection<FrontendSession> all() {
        return Collections.unmodifiableCollection(sessions.values());
    }
}
