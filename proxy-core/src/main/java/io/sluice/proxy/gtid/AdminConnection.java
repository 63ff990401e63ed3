package io.sluice.proxy.gtid;

import com.github.shyiko.mysql.binlog.network.Authenticator;
import com.github.shyiko.mysql.binlog.network.ServerException;
import com.github.shyiko.mysql.binlog.network.protocol.ErrorPacket;
import com.github.shyiko.mysql.binlog.network.protocol.GreetingPacket;
import com.github.shyiko.mysql.binlog.network.protocol.PacketChannel;
import com.github.shyiko.mysql.binlog.network.protocol.command.QueryCommand;
import io.sluice.proxy.backend.BackendEndpoint;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A blocking connection for the few statements the tracker runs itself (the binlog position, the seed, polls), on the
 * follower's own thread.
 *
 * <p>It speaks through the binlog library's packet channel and authenticator, so it logs in exactly as the stream does
 * (same authentication plugins) and adds no dependency; Sluice's own {@code QueryClient} needs a Netty event loop, and
 * blocking code must not take one. It asks for no {@code CLIENT_DEPRECATE_EOF} (the library's authenticator never
 * does), so a result set is: column count, column definitions, EOF, rows, EOF.
 */
final class AdminConnection implements Closeable {
    private final PacketChannel channel;
    private final String serverVersion;

    private AdminConnection(PacketChannel channel, String serverVersion) {
        this.channel = channel;
        this.serverVersion = serverVersion;
    }

    /**
     * Connects and logs in.
     *
     * @throws ServerException if the server refuses (an {@code AuthenticationException} for bad credentials)
     * @throws IOException     if it cannot be reached or does not answer within {@code readTimeoutMillis}
     */
    static AdminConnection open(BackendEndpoint endpoint, String user, String password, int connectTimeoutMillis,
                                int readTimeoutMillis, Sockets sockets) throws IOException {
        Socket socket = sockets.create(readTimeoutMillis);
        try {
            socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), connectTimeoutMillis);
            PacketChannel channel = new PacketChannel(socket);
            byte[] greeting = channel.read();
            throwIfError(greeting); // e.g. "Too many connections", sent instead of a greeting
            GreetingPacket g = new GreetingPacket(greeting);
            new Authenticator(g, channel, null, user, password).authenticate();
            channel.authenticationComplete();
            return new AdminConnection(channel, g.getServerVersion());
        } catch (IOException | RuntimeException e) {
            try {
                socket.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The version string of the server's greeting, e.g. {@code 10.11.6-MariaDB-log} or {@code 8.0.36}. */
    String serverVersion() {
        return serverVersion;
    }

    /** The rows of {@code sql}, each cell a string or null; empty for a statement without a result set. */
    List<List<String>> query(String sql) throws IOException {
        channel.write(new QueryCommand(sql));
        byte[] first = channel.read();
        throwIfError(first);
        if (first[0] == 0x00) {
            return List.of(); // OK: no result set
        }
        while (!isEof(channel.read())) {
            // column definitions: the statements we run are known, so only the values matter
        }
        List<List<String>> rows = new ArrayList<>();
        for (byte[] row; !isEof(row = channel.read()); ) {
            throwIfError(row);
            rows.add(textRow(row));
        }
        return rows;
    }

    /** The single value of a one-row, one-column query (null for SQL NULL). */
    String value(String sql) throws IOException {
        List<List<String>> rows = query(sql);
        if (rows.size() != 1 || rows.get(0).size() != 1) {
            throw new IOException("expected one value from [" + sql + "], got " + rows);
        }
        return rows.get(0).get(0);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing to do about a failed close of a connection we are done with.
        }
    }

    /** An EOF packet: 0xFE with fewer than 9 bytes (a row can start with 0xFE only as an 8-byte length prefix). */
    private static boolean isEof(byte[] packet) {
        return packet.length > 0 && packet.length < 9 && (packet[0] & 0xFF) == 0xFE;
    }

    private static void throwIfError(byte[] packet) throws ServerException {
        if (packet.length > 0 && (packet[0] & 0xFF) == 0xFF) {
            ErrorPacket err;
            try {
                err = new ErrorPacket(Arrays.copyOfRange(packet, 1, packet.length));
            } catch (IOException e) {
                throw new ServerException("malformed error packet", 0, "HY000");
            }
            throw new ServerException(err.getErrorMessage(), err.getErrorCode(), err.getSqlState());
        }
    }

    /**
     * A text-protocol row: each cell a length-encoded string, or 0xFB for NULL (which the library's
     * {@code ResultSetRowPacket} cannot read).
     */
    static List<String> textRow(byte[] p) throws IOException {
        List<String> cells = new ArrayList<>();
        int at = 0;
        while (at < p.length) {
            int b = p[at++] & 0xFF;
            if (b == 0xFB) {
                cells.add(null);
                continue;
            }
            long len;
            if (b < 0xFB) {
                len = b;
            } else {
                int n = b == 0xFC ? 2 : b == 0xFD ? 3 : b == 0xFE ? 8 : -1;
                if (n < 0 || at + n > p.length) {
                    throw new IOException("malformed row: bad length prefix 0x" + Integer.toHexString(b));
                }
                len = 0;
                for (int i = 0; i < n; i++) {
                    len |= (long) (p[at + i] & 0xFF) << (8 * i);
                }
                at += n;
            }
            if (len < 0 || len > p.length - at) {
                throw new IOException("malformed row: cell of " + len + " bytes with " + (p.length - at) + " left");
            }
            cells.add(new String(p, at, (int) len, StandardCharsets.UTF_8));
            at += (int) len;
        }
        return Collections.unmodifiableList(cells);
    }
}
