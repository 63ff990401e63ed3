package io.sluice.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.sluice.protocol.Capability;
import io.sluice.protocol.Command;
import io.sluice.protocol.Wire;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.Packet;
import io.sluice.protocol.frame.PacketAggregator;
import io.sluice.protocol.frame.Packets;
import io.sluice.protocol.message.ColumnDefinition41;
import io.sluice.protocol.message.EofPacket;
import io.sluice.protocol.message.ErrPacket;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A small client for the statements Sluice runs itself on a backend (loading accounts; later the monitor's
 * checks): one logged-in connection, one text-protocol query at a time, results decoded to strings. It negotiates
 * classic EOF packets (no CLIENT_DEPRECATE_EOF) and no multi-statements, which keeps decoding simple.
 *
 * <p>Not for the relay path, whose rows are never decoded. Confined to its event loop.
 */
public final class QueryClient implements BackendConnection.Listener, AutoCloseable {

    /** A decoded text result: column names and rows of nullable strings; empty for statements without rows. */
    public record Result(List<String> columns, List<List<String>> rows, long affectedRows) {
        public int column(String name) {
            for (int i = 0; i < columns.size(); i++) {
                if (columns.get(i).equalsIgnoreCase(name)) {
                    return i;
                }
            }
            throw new IllegalArgumentException("no column " + name + " in " + columns);
        }
    }

    /** The backend answered with an error. */
    public static final class QueryException extends RuntimeException {
        private final ErrPacket err;

        public QueryException(ErrPacket err) {
            super(err.toString());
            this.err = err;
        }

        public ErrPacket err() {
            return err;
        }
    }

    private static final Capability CAPS = new Capability(Capability.LONG_PASSWORD | Capability.PROTOCOL_41
            | Capability.SECURE_CONNECTION | Capability.PLUGIN_AUTH | Capability.TRANSACTIONS
            | Capability.MULTI_RESULTS | Capability.LONG_FLAG);

    private enum State { IDLE, HEADER, COLUMNS, COLUMNS_EOF, ROWS }

    private final BackendConnection connection;
    private final PacketAggregator aggregator;
    private CompletableFuture<Result> current;
    private State state = State.IDLE;
    private long columnCount;
    private List<String> columns;
    private List<List<String>> rows;

    private QueryClient(BackendConnection connection) {
        this.connection = connection;
        this.aggregator = new PacketAggregator(connection.channel().alloc());
        connection.listener(this);
    }

    public static CompletableFuture<QueryClient> connect(EventLoop loop, Class<? extends Channel> channelType,
                                                         BackendEndpoint endpoint, String user, String password,
                                                         SslContext tls, int timeoutMillis) {
        BackendLogin login = new BackendLogin(user, password, null, null, CAPS, 45,
                Map.of("program_name", "sluice"));
        return BackendConnection.connect(loop, channelType, endpoint, login, tls, timeoutMillis)
                .thenApply(QueryClient::new);
    }

    public BackendConnection connection() {
        return connection;
    }

    /** Runs one statement. Must not be called while another is running. */
    public CompletableFuture<Result> query(String sql) {
        CompletableFuture<Result> f = new CompletableFuture<>();
        connection.channel().eventLoop().execute(() -> {
            if (current != null) {
                f.completeExceptionally(new IllegalStateException("a query is already running"));
                return;
            }
            if (!connection.isActive()) {
                f.completeExceptionally(new IllegalStateException("connection to " + connection.endpoint() + " is closed"));
                return;
            }
            current = f;
            state = State.HEADER;
            columns = new ArrayList<>();
            rows = new ArrayList<>();
            connection.writeAndFlush(Packets.build(connection.channel().alloc(), 0, b -> {
                b.writeByte(Command.QUERY.code());
                b.writeCharSequence(sql, StandardCharsets.UTF_8);
            }));
        });
        return f;
    }

    @Override
    public void onBackendFrame(BackendConnection c, Frame frame) {
        Packet packet = aggregator.add(frame);
        if (packet == null) {
            return;
        }
        try {
            onPacket(packet.payload());
        } catch (RuntimeException e) {
            fail(e);
            connection.close();
        } finally {
            packet.release();
        }
    }

    private void onPacket(ByteBuf p) {
        int first = p.isReadable() ? p.getUnsignedByte(p.readerIndex()) : -1;
        if (current == null) {
            throw new IllegalStateException("unsolicited packet from " + connection.endpoint());
        }
        switch (state) {
            case HEADER -> {
                if (first == 0x00) {
                    p.skipBytes(1);
                    long affected = Wire.readLenencInt(p, "affected rows");
                    complete(new Result(List.of(), List.of(), affected));
                } else if (first == ErrPacket.HEADER) {
                    fail(new QueryException(ErrPacket.decode(p)));
                } else {
                    columnCount = Wire.readLenencInt(p, "column count");
                    state = State.COLUMNS;
                }
            }
            case COLUMNS -> {
                columns.add(ColumnDefinition41.decode(p).name());
                if (columns.size() == columnCount) {
                    state = State.COLUMNS_EOF;
                }
            }
            case COLUMNS_EOF -> state = State.ROWS;
            case ROWS -> {
                if (first == ErrPacket.HEADER) {
                    fail(new QueryException(ErrPacket.decode(p)));
                } else if (EofPacket.isEof(first, p.readableBytes())) {
                    complete(new Result(List.copyOf(columns), List.copyOf(rows), 0));
                } else {
                    List<String> row = new ArrayList<>((int) columnCount);
                    for (int i = 0; i < columnCount; i++) {
                        row.add(Wire.readTextCell(p, StandardCharsets.UTF_8, "cell"));
                    }
                    rows.add(java.util.Collections.unmodifiableList(row));
                }
            }
            case IDLE -> throw new IllegalStateException("unsolicited packet");
        }
    }

    private void complete(Result r) {
        CompletableFuture<Result> f = current;
        current = null;
        state = State.IDLE;
        f.complete(r);
    }

    private void fail(Throwable t) {
        CompletableFuture<Result> f = current;
        current = null;
        state = State.IDLE;
        if (f != null) {
            f.completeExceptionally(t);
        }
    }

    @Override
    public void onBackendReadComplete(BackendConnection c) {
    }

    @Override
    public void onBackendClosed(BackendConnection c, Throwable cause) {
        aggregator.close();
        fail(cause != null ? cause : new IllegalStateException(c.endpoint() + " closed the connection"));
    }

    @Override
    public void close() {
        connection.close();
    }
}
