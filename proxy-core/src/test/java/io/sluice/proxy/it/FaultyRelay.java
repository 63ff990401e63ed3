package io.sluice.proxy.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay in front of a real server that passes everything through, except that in the server's answers the
 * packet right after one containing {@link #MARKER} is replaced by {@code [0xFE]}: a one-byte OK/EOF header, which no
 * server sends as the end of a result set (an OK packet needs its affected rows, insert id and status). It makes a
 * real server look like one that broke its protocol in the middle of a response, which no real server does on demand.
 *
 * <p>The server's bytes are passed on in whole packets, each read's packets in one write, as the server wrote them:
 * so the corrupted packet reaches Sluice in the same read as the result set before it.
 */
final class FaultyRelay implements AutoCloseable {
    /** A row value that arms the fault: the next packet of the answer is corrupted. */
    static final String MARKER = "sluice-breaks-here";
    private static final byte[] MARKER_BYTES = MARKER.getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger corrupted = new AtomicInteger();
    private volatile boolean closed;

    private FaultyRelay(ServerSocket listener, InetSocketAddress target) {
        this.listener = listener;
        this.target = target;
    }

    /** Listens on an ephemeral loopback port, relaying to {@code host:port}. */
    static FaultyRelay start(String host, int port) throws IOException {
        ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        FaultyRelay relay = new FaultyRelay(listener, new InetSocketAddress(host, port));
        Thread acceptor = new Thread(relay::acceptLoop, "faulty-relay-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return relay;
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Packets corrupted so far. */
    int corrupted() {
        return corrupted.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            Socket server = new Socket();
            try {
                server.connect(target, 5_000);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(server);
                continue;
            }
            sockets.add(client);
            sockets.add(server);
            pump("faulty-relay-up", client, server, false);
            pump("faulty-relay-down", server, client, true);
        }
    }

    private void pump(String name, Socket from, Socket to, boolean answers) {
        Thread t = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                if (answers) {
                    relayAnswers(in, out);
                } else {
                    in.transferTo(out);
                }
            } catch (IOException endOfEitherSide) {
                // one side went away: end both
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    /** Whole packets only, each read's worth in one write; the packet after a marked one corrupted. */
    private void relayAnswers(InputStream in, OutputStream out) throws IOException {
        byte[] pending = new byte[0];
        byte[] chunk = new byte[64 * 1024];
        boolean corruptNext = false;
        int n;
        while ((n = in.read(chunk)) >= 0) {
            byte[] data = Arrays.copyOf(pending, pending.length + n);
            System.arraycopy(chunk, 0, data, pending.length, n);
            java.io.ByteArrayOutputStream batch = new java.io.ByteArrayOutputStream(data.length);
            int at = 0;
            while (data.length - at >= 4) {
                int length = (data[at] & 0xFF) | (data[at + 1] & 0xFF) << 8 | (data[at + 2] & 0xFF) << 16;
                if (data.length - at - 4 < length) {
                    break;
                }
                if (corruptNext) {
                    batch.write(new byte[] {1, 0, 0, data[at + 3], (byte) 0xFE});
                    corruptNext = false;
                    corrupted.incrementAndGet();
                } else {
                    batch.write(data, at, 4 + length);
                    corruptNext = contains(data, at + 4, length, MARKER_BYTES);
                }
                at += 4 + length;
            }
            pending = Arrays.copyOfRange(data, at, data.length);
            if (batch.size() > 0) {
                out.write(batch.toByteArray());
                out.flush();
            }
        }
    }

    private static boolean contains(byte[] a, int from, int length, byte[] needle) {
        for (int i = from; i + needle.length <= from + length; i++) {
            if (Arrays.equals(a, i, i + needle.length, needle, 0, needle.length)) {
                return true;
            }
        }
        return false;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }
}
