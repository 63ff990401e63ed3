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

    public Collection<FrontendSession> all() {
        return Collections.unmodifiableCollection(sessions.values());
    }
}
