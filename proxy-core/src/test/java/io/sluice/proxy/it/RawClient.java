package io.sluice.proxy.it;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.protocol.Capability;
import io.sluice.protocol.Command;
import io.sluice.protocol.frame.Packets;
import io.sluice.protocol.message.ErrPacket;
import io.sluice.protocol.message.HandshakeResponse41;
import io.sluice.protocol.message.HandshakeV10;
import io.sluice.protocol.auth.NativePassword;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A deliberately dumb MySQL client on a blocking socket, for tests that must send what no real driver would: garbage,
 * truncated packets, wrong sequence ids, unknown commands. Every read has a timeout, so a proxy that hangs fails the
 * test with {@link SocketTimeoutException} instead of hanging it.
 *
 * <p>Speaks just enough protocol to log in with {@code mysql_native_password} and read a text result set.
 */
final class RawClient implements AutoCloseable {
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;
    /** What this client asks for; the server keeps the intersection with what it offers. */
    static final Capability CAPABILITIES = new Capability(Capability.LONG_PASSWORD | Capability.PROTOCOL_41
            | Capability.SECURE_CONNECTION | Capability.PLUGIN_AUTH | Capability.TRANSACTIONS
            | Capability.MULTI_RESULTS | Capability.LONG_FLAG);

    /** One frame as read: sequence id and payload. */
    record Packet(int sequenceId, byte[] payload) {
        int first() {
            return payload.length == 0 ? -1 : payload[0] & 0xFF;
        }

        boolean isErr() {
            return first() == ErrPacket.HEADER;
        }

        boolean isOk() {
            return first() == 0x00;
        }

        ErrPacket err() {
            ByteBuf b = Unpooled.wrappedBuffer(payload);
            try {
                return ErrPacket.decode(b);
            } finally {
                b.release();
            }
        }

        @Override
        public String toString() {
            return "Packet[seq=" + sequenceId + ", len=" + payload.length
                    + (isErr() ? ", " + err() : ", first=0x" + Integer.toHexString(first())) + "]";
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private HandshakeV10 greeting;
    private boolean deprecateEof;

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects; every later read gives up after {@code readTimeout}. */
    static RawClient connect(int port, Duration readTimeout) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), (int) readTimeout.toMillis());
        s.setSoTimeout((int) readTimeout.toMillis());
        s.setTcpNoDelay(true);
        return new RawClient(s);
    }

    /** Connects and reads the server's greeting. */
    static RawClient connectAndGreet(int port, Duration readTimeout) throws IOException {
        RawClient c = connect(port, readTimeout);
        c.readGreeting();
        return c;
    }

    /** Connects, reads the greeting and logs in; fails the test if the login is refused. */
    static RawClient login(int port, String user, String password, Duration readTimeout) throws IOException {
        RawClient c = connectAndGreet(port, readTimeout);
        Packet answer = c.sendLogin(user, password, CAPABILITIES);
        if (!answer.isOk()) {
            c.close();
            throw new AssertionError("login as '" + user + "' refused: " + answer);
        }
        return c;
    }

    HandshakeV10 readGreeting() throws IOException {
        Packet p = readPacket();
        if (p.isErr()) {
            throw new AssertionError("greeting was an error: " + p);
        }
        ByteBuf b = Unpooled.wrappedBuffer(p.payload());
        try {
            greeting = HandshakeV10.decode(b);
        } finally {
            b.release();
        }
        return greeting;
    }

    /**
     * Sends an SSLRequest (sequence id 1, after the greeting) and completes a TLS handshake that trusts any
     * certificate; returns a client on the encrypted stream, whose next packet is sequence id 2.
     */
    RawClient startTls() throws IOException {
        sendPacket(1, HandshakeResponse41.sslRequest(CAPABILITIES, 1 << 24, 45)::encode);
        try {
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
                @Override
                public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                }

                @Override
                public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                    return new java.security.cert.X509Certificate[0];
                }
            }}, null);
            javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) context.getSocketFactory().createSocket(socket,
                    "127.0.0.1", socket.getPort(), true);
            tls.startHandshake();
            RawClient encrypted = new RawClient(tls);
            encrypted.greeting = greeting;
            return encrypted;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    HandshakeV10 greeting() {
        return greeting;
    }

    /**
     * Sends a HandshakeResponse41 with a {@code mysql_native_password} answer and returns the server's final answer
     * (OK or ERR), following an auth switch to {@code mysql_native_password} if the server asks for one.
     */
    Packet sendLogin(String user, String password, Capability caps) throws IOException {
        byte[] auth = NativePassword.scramble(password, greeting.scramble());
        HandshakeResponse41 response = new HandshakeResponse41(caps, 1 << 24, 45, user, auth, null,
                NativePassword.PLUGIN, Map.of(), false);
        sendPacket(1, response::encode);
        Packet answer = readPacket();
        if (answer.first() == 0xFE && answer.payload().length > 1) {
            // AuthSwitchRequest: plugin name NUL, then the new salt (NUL-terminated for native).
            byte[] p = answer.payload();
            int nul = indexOf(p, 1, (byte) 0);
            String plugin = new String(p, 1, nul - 1, StandardCharsets.US_ASCII);
            if (!NativePassword.PLUGIN.equals(plugin)) {
                throw new AssertionError("server switched to unsupported plugin " + plugin);
            }
            byte[] salt = Arrays.copyOfRange(p, nul + 1, Math.min(p.length, nul + 21));
            byte[] again = NativePassword.scramble(password, salt);
            sendPacket(answer.sequenceId() + 1, b -> b.writeBytes(again));
            answer = readPacket();
        }
        deprecateEof = caps.deprecateEof() && greeting.capabilities().deprecateEof();
        return answer;
    }

    private static int indexOf(byte[] a, int from, byte b) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        throw new AssertionError("no NUL in auth switch request");
    }

    /** Frames a payload written by {@code payload} (split at 16 MiB as the protocol requires) and sends it. */
    void sendPacket(int sequenceId, Consumer<ByteBuf> payload) throws IOException {
        ByteBuf frame = Packets.build(ALLOC, sequenceId, payload);
        try {
            byte[] bytes = new byte[frame.readableBytes()];
            frame.readBytes(bytes);
            send(bytes);
        } finally {
            frame.release();
        }
    }

    /** Sends raw bytes, framed or not. */
    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends a frame header alone: 3-byte little-endian length and the sequence id. */
    void sendHeader(int payloadLength, int sequenceId) throws IOException {
        send(new byte[]{(byte) payloadLength, (byte) (payloadLength >> 8), (byte) (payloadLength >> 16),
                (byte) sequenceId});
    }

    /** Sends COM_QUERY with sequence id 0. */
    void query(String sql) throws IOException {
        sendPacket(0, b -> {
            b.writeByte(Command.QUERY.code());
            b.writeCharSequence(sql, StandardCharsets.UTF_8);
        });
    }

    /**
     * A query returning {@code rows} rows of an integer and a {@code width}-byte string, from any MySQL or MariaDB
     * server: a 400-row recursive CTE cross-joined with itself, because a deep recursion is capped by the server
     * (MariaDB's max_recursive_iterations, MySQL's cte_max_recursion_depth, both 1000 by default; MariaDB stops
     * silently) and the SEQUENCE engine is MariaDB's alone.
     */
    static String rowsQuery(int rows, int width) {
        if (rows > 400 * 400) {
            throw new IllegalArgumentException("at most 160000 rows: " + rows);
        }
        return "WITH RECURSIVE r(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM r WHERE n < 399) "
                + "SELECT a.n * 400 + b.n, REPEAT('x', " + width + ") FROM r a, r b LIMIT " + rows;
    }

    /** Reads one frame; {@link EOFException} if the server closed first, {@link SocketTimeoutException} on a hang. */
    Packet readPacket() throws IOException {
        byte[] header = in.readNBytes(4);
        if (header.length < 4) {
            throw new EOFException("connection closed by the server (" + header.length + " header bytes)");
        }
        int length = (header[0] & 0xFF) | (header[1] & 0xFF) << 8 | (header[2] & 0xFF) << 16;
        byte[] payload = in.readNBytes(length);
        if (payload.length < length) {
            throw new EOFException("connection closed by the server in a packet (" + payload.length + " of "
                    + length + " bytes)");
        }
        return new Packet(header[3] & 0xFF, payload);
    }

    /** Reads a packet that must be an ERR and decodes it. */
    ErrPacket readErr() throws IOException {
        Packet p = readPacket();
        if (!p.isErr()) {
            throw new AssertionError("expected an ERR packet, got " + p);
        }
        return p.err();
    }

    /**
     * Reads until the server closes the connection and returns what it sent before; fails the test (with the read
     * timeout's {@link SocketTimeoutException}) if the server keeps the connection open: a close, not a hang.
     */
    byte[] awaitClosed() throws IOException {
        java.io.ByteArrayOutputStream seen = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                seen.write(buf, 0, n);
            }
        } catch (SocketException e) {
            // A reset is a close too (the server closed with unread data in its receive buffer).
            if (!String.valueOf(e.getMessage()).contains("reset")) {
                throw e;
            }
        }
        return seen.toByteArray();
    }

    /** Reads a text result set to its end, counting rows; fails on an ERR. */
    long readResultSet() throws IOException {
        Packet header = readPacket();
        if (header.isErr()) {
            throw new AssertionError("query failed: " + header.err());
        }
        if (header.isOk()) {
            return 0;
        }
        long columns = header.first();
        if (columns >= 0xFB) {
            throw new AssertionError("column count this client cannot read: " + header);
        }
        for (long i = 0; i < columns; i++) {
            readPacket();
        }
        if (!deprecateEof) {
            Packet eof = readPacket();
            if (eof.first() != 0xFE) {
                throw new AssertionError("expected EOF after column definitions, got " + eof);
            }
        }
        long rows = 0;
        while (true) {
            Packet p = readPacket();
            if (p.first() == 0xFE && p.payload().length < 0xFFFFFF && (deprecateEof || p.payload().length < 9)) {
                return rows;
            }
            if (p.isErr()) {
                throw new AssertionError("error after " + rows + " rows: " + p.err());
            }
            rows++;
        }
    }

    /** Runs a query that must return one row and returns its first column as text. */
    String queryValue(String sql) throws IOException {
        query(sql);
        Packet header = readPacket();
        if (header.isErr()) {
            throw new AssertionError(sql + " failed: " + header.err());
        }
        for (int i = 0; i < header.first(); i++) {
            readPacket();
        }
        if (!deprecateEof) {
            readPacket();
        }
        Packet row = readPacket();
        int len = row.payload()[0] & 0xFF;
        if (len >= 0xFB) {
            throw new AssertionError("first cell is NULL or too long for this client: " + row);
        }
        String value = new String(row.payload(), 1, len, StandardCharsets.UTF_8);
        Packet end = readPacket();
        if (end.first() != 0xFE) {
            throw new AssertionError("expected one row, then EOF, got " + end);
        }
        return value;
    }

    /** Closes our sending side only: the server reads end-of-stream while we can still read its answer. */
    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    InputStream input() {
        return in;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
