package io.sluice.proxy.gtid;

import com.github.shyiko.mysql.binlog.network.SocketFactory;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;

/**
 * The sockets one follower has open (its admin connection and its binlog stream), so that another thread can break any
 * blocking read at once. Closing a socket is the only prompt way to stop a thread blocked in {@code read()}, or in the
 * binlog library's {@code connect()}, which blocks for the whole life of the stream; once {@link #closeAll} has run, no
 * new socket can be created, so a follower that was between two connections cannot open another.
 */
final class Sockets {
    /** Guarded by {@code this}. */
    private final List<Socket> open = new ArrayList<>(2);
    /** Guarded by {@code this}. */
    private boolean closed;

    /**
     * A new unconnected socket whose reads time out after {@code readTimeoutMillis}: a stalled server (or a silent
     * network partition) then fails the read instead of blocking the follower for ever.
     */
    synchronized Socket create(int readTimeoutMillis) throws SocketException {
        if (closed) {
            throw new SocketException("GTID tracker closed");
        }
        open.removeIf(Socket::isClosed);
        Socket s = new Socket();
        s.setSoTimeout(readTimeoutMillis);
        s.setTcpNoDelay(true);
        s.setKeepAlive(true);
        open.add(s);
        return s;
    }

    /** For the binlog library, which creates its socket itself. */
    SocketFactory factory(int readTimeoutMillis) {
        return () -> create(readTimeoutMillis);
    }

    /** Closes what is open now (breaking a stream that must be re-seeded); new sockets may still be created. */
    void closeOpen() {
        closeAll(false);
    }

    /** Closes what is open and refuses new sockets. */
    void closeAll() {
        closeAll(true);
    }

    private void closeAll(boolean forever) {
        List<Socket> toClose;
        synchronized (this) {
            closed |= forever;
            toClose = new ArrayList<>(open);
            open.clear();
        }
        for (Socket s : toClose) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Closing is all we wanted.
            }
        }
    }
}
