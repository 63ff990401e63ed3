package io.sluice.proxy.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.sluice.protocol.Capability;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.FrameDecoder;
import io.sluice.protocol.frame.FrameRun;
import io.sluice.protocol.frame.Packet;
import io.sluice.protocol.frame.PacketAggregator;
import io.sluice.protocol.frame.Packets;
import io.sluice.protocol.message.AuthMoreData;
import io.sluice.protocol.message.AuthSwitchRequest;
import io.sluice.protocol.message.ErrPacket;
import io.sluice.protocol.message.HandshakeResponse41;
import io.sluice.protocol.message.HandshakeV10;
import io.sluice.protocol.message.OkPacket;
import io.sluice.protocol.auth.CachingSha2Password;
import io.sluice.protocol.auth.NativePassword;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Cipher;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;

/**
 * One connection from Sluice to a backend server, logged in as a client's user. Created on the event loop of the
 * session that will use it, so that session and connection share a thread and need no locks.
 *
 * <p>After login the connection hands what the backend sends, raw frames with their headers, to its
 * {@link Listener}: whole runs of frames as they arrived ({@link FrameRun}), or single frames. It never decodes
 * results itself. The listener owns each run or frame it is given and must release or pass it on.
 */
public final class BackendConnection {
    private static final Logger log = LoggerFactory.getLogger(BackendConnection.class);

    /** Receives what the backend sends once the login is done. Called on the connection's event loop. */
    public interface Listener {
        void onBackendFrame(BackendConnection connection, Frame frame);

        /**
         * Whole frames that arrived together (the listener owns the run). By default they are cut into frames for
         * {@link #onBackendFrame}; a relay reads them in place instead.
         */
        default void onBackendFrames(BackendConnection connection, FrameRun run) {
            try {
                ByteBuf frames = run.content();
                FrameRun.split(frames, frames.readerIndex(), run.startsMidPacket(), f -> onBackendFrame(connection, f));
            } finally {
                run.release();
            }
        }

        void onBackendReadComplete(BackendConnection connection);

        void onBackendClosed(BackendConnection connection, Throwable cause);
    }

    private final BackendEndpoint endpoint;
    private final Channel channel;
    private HandshakeV10 greeting;
    private Capability capabilities;
    private Listener listener;
    private int okStatus;
    private boolean tracksGtids;

    private BackendConnection(BackendEndpoint endpoint, Channel channel) {
        this.endpoint = endpoint;
        this.channel = channel;
    }

    /**
     * Connects and logs in. The future completes on {@code loop}, with a {@link BackendLoginException} when the
     * server refuses the login or cannot be reached.
     */
    public static CompletableFuture<BackendConnection> connect(EventLoop loop, Class<? extends Channel> channelType,
                                                               BackendEndpoint endpoint, BackendLogin login,
                                                               SslContext tls, int connectTimeoutMillis) {
        return connect(loop, channelType, endpoint, login, tls, connectTimeoutMillis, false);
    }

    /**
     * As above; with {@code trackGtids}, the connection also negotiates {@code CLIENT_SESSION_TRACK} and, before it
     * is handed over, turns on the tracking that reports the GTID of each commit in its OK packet
     * ({@link #gtidTrackingStatement}). A server that refuses it still yields a connection, whose
     * {@link #tracksGtids()} is false.
     */
    public static CompletableFuture<BackendConnection> connect(EventLoop loop, Class<? extends Channel> channelType,
                                                               BackendEndpoint endpoint, BackendLogin login,
                                                               SslContext tls, int connectTimeoutMillis,
                                                               boolean trackGtids) {
        CompletableFuture<BackendConnection> result = new CompletableFuture<>();
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                // The pipeline is built on the event loop as the channel registers, before it can read anything.
                // Added after connect() returns, from a thread other than the loop (start-up, a scheduler on another
                // loop), a handler is only pending when the server's greeting may already be arriving: the greeting
                // then passes it by, is dropped at the tail, and the login waits for its timeout.
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        BackendConnection conn = new BackendConnection(endpoint, ch);
                        ch.pipeline().addLast("frames", new FrameDecoder(Long.MAX_VALUE));
                        ch.pipeline().addLast("login", conn.new LoginHandler(login, tls, result, trackGtids));
                    }
                });
        ChannelFuture cf = b.connect(endpoint.host(), endpoint.port());
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(new BackendLoginException(
                        "cannot connect to " + endpoint + ": " + f.cause().getMessage(), null, f.cause()));
            }
        });
        return result;
    }

    public BackendEndpoint endpoint() {
        return endpoint;
    }

    public Channel channel() {
        return channel;
    }

    /** The server's connection (thread) id, which {@code KILL} on that server names. */
    public long threadId() {
        return greeting.connectionId();
    }

    public HandshakeV10 greeting() {
        return greeting;
    }

    public Capability capabilities() {
        return capabilities;
    }

    /**
     * The statement that makes a server report the GTID of each commit in the OK packet: MariaDB's
     * {@code last_gtid} added to the tracked system variables (keeping those already tracked), MySQL's
     * {@code session_track_gtids=OWN_GTID}.
     */
    public static String gtidTrackingStatement(HandshakeV10 greeting) {
        if (greeting.isMariaDb()) {
            return "SET SESSION session_track_system_variables = IF(@@session.session_track_system_variables = '*'"
                    + " OR FIND_IN_SET('last_gtid', @@session.session_track_system_variables) > 0,"
                    + " @@session.session_track_system_variables,"
                    + " CONCAT_WS(',', NULLIF(@@session.session_track_system_variables, ''), 'last_gtid'))";
        }
        return "SET SESSION session_track_gtids = 'OWN_GTID'";
    }

    /** Whether OK packets on this connection carry the GTID of each commit. */
    public boolean tracksGtids() {
        return tracksGtids;
    }

    /** Status flags of the OK that ended the login (autocommit, ...). */
    public int loginStatus() {
        return okStatus;
    }

    public void listener(Listener listener) {
        this.listener = listener;
    }

    public boolean isActive() {
        return channel.isActive();
    }

    /** Writes raw bytes (whole frames) without flushing; ownership passes to the channel. */
    public void write(Object frames) {
        channel.write(frames, channel.voidPromise());
    }

    public void writeAndFlush(Object frames) {
        channel.writeAndFlush(frames, channel.voidPromise());
    }

    public void flush() {
        channel.flush();
    }

    public void autoRead(boolean on) {
        channel.config().setAutoRead(on);
    }

    public void close() {
        channel.close();
    }

    @Override
    public String toString() {
        return "backend " + endpoint + (greeting == null ? "" : " thread " + greeting.connectionId());
    }

    /** The login exchange, then frame dispatch to the listener. */
    private final class LoginHandler extends ChannelInboundHandlerAdapter {
        private final BackendLogin login;
        private final SslContext tls;
        private final CompletableFuture<BackendConnection> result;
        private final boolean trackGtids;
        private PacketAggregator aggregator;
        private boolean ready;
        private boolean awaitingTrackingOk;
        private boolean overTls;
        private int seq;
        private byte[] scramble;

        LoginHandler(BackendLogin login, SslContext tls, CompletableFuture<BackendConnection> result,
                     boolean trackGtids) {
            this.login = login;
            this.tls = tls;
            this.result = result;
            this.trackGtids = trackGtids;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            aggregator = new PacketAggregator(ctx.alloc());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (ready) {
                Listener l = listener;
                if (l == null) {
                    ReferenceCountUtil.release(msg);
                    log.warn("{}: unexpected packet while idle, closing", BackendConnection.this);
                    ctx.close();
                    return;
                }
                if (msg instanceof FrameRun run) {
                    l.onBackendFrames(BackendConnection.this, run);
                } else {
                    l.onBackendFrame(BackendConnection.this, (Frame) msg);
                }
                return;
            }
            Packet packet = aggregator.add((Frame) msg);
            if (packet == null) {
                return;
            }
            try {
                onLoginPacket(ctx, packet);
            } catch (RuntimeException e) {
                fail(ctx, new BackendLoginException("login to " + endpoint + " failed: " + e.getMessage(), null, e));
            } finally {
                packet.release();
            }
        }

        private void onLoginPacket(ChannelHandlerContext ctx, Packet packet) throws RuntimeException {
            ByteBuf p = packet.payload();
            seq = packet.nextSequenceId();
            if (greeting == null) {
                greeting = HandshakeV10.decode(p);
                scramble = greeting.scramble();
                Capability caps = login.capabilities().and(greeting.capabilities())
                        .with(Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION | Capability.PLUGIN_AUTH
                                | Capability.LONG_PASSWORD)
                        .without(Capability.SSL | Capability.COMPRESS);
                if (login.database() != null && !login.database().isEmpty()) {
                    caps = caps.with(Capability.CONNECT_WITH_DB);
                } else {
                    caps = caps.without(Capability.CONNECT_WITH_DB);
                }
                if (greeting.capabilities().has(Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA)) {
                    caps = caps.with(Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA);
                }
                if (greeting.capabilities().has(Capability.CONNECT_ATTRS)) {
                    caps = caps.with(Capability.CONNECT_ATTRS);
                }
                if (trackGtids && greeting.capabilities().has(Capability.SESSION_TRACK)) {
                    caps = caps.with(Capability.SESSION_TRACK);
                }
                capabilities = caps;
                if (tls != null) {
                    if (!greeting.capabilities().ssl()) {
                        throw new IllegalStateException("TLS to backends is configured but " + endpoint
                                + " does not offer it");
                    }
                    capabilities = caps.with(Capability.SSL);
                    HandshakeResponse41 req = HandshakeResponse41.sslRequest(caps, 1 << 30, login.characterSet());
                    ctx.writeAndFlush(Packets.build(ctx.alloc(), seq++, req::encode));
                    SslHandler ssl = tls.newHandler(ctx.alloc(), endpoint.host(), endpoint.port());
                    ctx.pipeline().addFirst("tls", ssl);
                    return; // the response follows when the TLS handshake completes
                }
                sendResponse(ctx);
                return;
            }
            int first = p.isReadable() ? p.getUnsignedByte(p.readerIndex()) : -1;
            if (awaitingTrackingOk) {
                awaitingTrackingOk = false;
                if (first == OkPacket.HEADER) {
                    tracksGtids = true;
                } else {
                    String why = first == ErrPacket.HEADER ? ErrPacket.decode(p).toString() : "unexpected answer";
                    log.warn("{}: the GTID of writes on this connection cannot be read from OK packets ({}):"
                            + " reads after its writes go to the source", BackendConnection.this, why);
                }
                handOver();
                return;
            }
            switch (first) {
                case OkPacket.HEADER -> {
                    okStatus = OkPacket.decode(p, capabilities).statusFlags();
                    if (trackGtids && capabilities.sessionTrack()) {
                        awaitingTrackingOk = true;
                        String sql = gtidTrackingStatement(greeting);
                        ctx.writeAndFlush(Packets.build(ctx.alloc(), 0, b -> {
                            b.writeByte(io.sluice.protocol.Command.QUERY.code());
                            b.writeCharSequence(sql, StandardCharsets.UTF_8);
                        }));
                        return;
                    }
                    handOver();
                }
                case ErrPacket.HEADER -> {
                    ErrPacket err = ErrPacket.decode(p);
                    fail(ctx, new BackendLoginException(endpoint + " refused login of '" + login.user() + "': "
                            + err, err, null));
                }
                case AuthSwitchRequest.HEADER -> {
                    AuthSwitchRequest sw = AuthSwitchRequest.decode(p);
                    scramble = sw.pluginData();
                    byte[] answer = answer(sw.pluginName(), scramble);
                    ctx.writeAndFlush(Packets.build(ctx.alloc(), seq++, b -> b.writeBytes(answer)));
                }
                case AuthMoreData.HEADER -> onMoreData(ctx, AuthMoreData.decode(p));
                default -> throw new IllegalStateException("unexpected packet 0x" + Integer.toHexString(first)
                        + " during login");
            }
        }

        private void handOver() {
            ready = true;
            // From now on the decoder hands on whole runs of frames; any already cut from this read come as frames.
            channel.pipeline().get(FrameDecoder.class).runs(true);
            aggregator.close();
            result.complete(BackendConnection.this);
        }

        private void onMoreData(ChannelHandlerContext ctx, AuthMoreData more) {
            if (more.is(AuthMoreData.FAST_AUTH_SUCCESS)) {
                return; // the OK follows
            }
            if (login.password() == null) {
                throw new IllegalStateException("the backend asks for caching_sha2_password full authentication,"
                        + " which needs the clear-text password; log in to Sluice once over TLS (or with RSA)"
                        + " so it learns it");
            }
            if (more.is(AuthMoreData.PERFORM_FULL_AUTHENTICATION)) {
                if (overTls) {
                    byte[] clear = (login.password() + "\0").getBytes(StandardCharsets.UTF_8);
                    ctx.writeAndFlush(Packets.build(ctx.alloc(), seq++, b -> b.writeBytes(clear)));
                } else {
                    ctx.writeAndFlush(Packets.build(ctx.alloc(), seq++,
                            b -> b.writeByte(CachingSha2Password.REQUEST_PUBLIC_KEY)));
                }
                return;
            }
            // Anything else is the server's RSA public key, in PEM.
            byte[] encrypted = rsaEncrypt(new String(more.data(), StandardCharsets.US_ASCII),
                    CachingSha2Password.xorForRsa(login.password(), scramble));
            ctx.writeAndFlush(Packets.build(ctx.alloc(), seq++, b -> b.writeBytes(encrypted)));
        }

        private void sendResponse(ChannelHandlerContext ctx) {
            String plugin = greeting.authPluginName();
            if (!NativePassword.PLUGIN.equals(plugin) && !CachingSha2Password.PLUGIN.equals(plugin)) {
                plugin = NativePassword.PLUGIN;
            }
            if (login.password() == null && CachingSha2Password.PLUGIN.equals(plugin)) {
                // Only SHA1(password) is known: start with the native plugin; the server switches if it must.
                plugin = NativePassword.PLUGIN;
            }
            HandshakeResponse41 resp = new HandshakeResponse41(capabilities, 1 << 30, login.characterSet(),
                    login.user(), answer(plugin, scramble), login.database(), plugin, login.attributes(), false);
            ctx.writeAndFlush(Packets.build(ctx.alloc(), seq++, resp::encode));
        }

        private byte[] answer(String plugin, byte[] salt) {
            if (CachingSha2Password.PLUGIN.equals(plugin)) {
                if (login.password() == null) {
                    throw new IllegalStateException("backend account '" + login.user()
                            + "' uses caching_sha2_password, which Sluice can answer only after learning the"
                            + " clear-text password (client login over TLS or RSA)");
                }
                return CachingSha2Password.scramble(login.password(), salt);
            }
            if (NativePassword.PLUGIN.equals(plugin)) {
                if (login.password() != null) {
                    return NativePassword.scramble(login.password(), salt);
                }
                return login.nativeStage1() == null ? new byte[0]
                        : NativePassword.scrambleFromStage1(login.nativeStage1(), salt);
            }
            throw new IllegalStateException("backend asks for unsupported auth plugin '" + plugin + "'");
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e && !ready) {
                if (e.isSuccess()) {
                    overTls = true;
                    sendResponse(ctx);
                } else {
                    fail(ctx, new BackendLoginException("TLS handshake with " + endpoint + " failed: "
                            + e.cause().getMessage(), null, e.cause()));
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (ready && listener != null) {
                listener.onBackendReadComplete(BackendConnection.this);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (aggregator != null) {
                aggregator.close();
            }
            if (!result.isDone()) {
                result.completeExceptionally(new BackendLoginException(endpoint + " closed the connection during login",
                        null, null));
            } else if (listener != null) {
                listener.onBackendClosed(BackendConnection.this, null);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!result.isDone()) {
                fail(ctx, new BackendLoginException("login to " + endpoint + " failed: " + cause.getMessage(),
                        null, cause));
                return;
            }
            log.debug("{}: {}", BackendConnection.this, cause.toString());
            if (listener != null) {
                Listener l = listener;
                listener = null;
                l.onBackendClosed(BackendConnection.this, cause);
            }
            ctx.close();
        }

        private void fail(ChannelHandlerContext ctx, BackendLoginException e) {
            result.completeExceptionally(e);
            ctx.close();
        }
    }

    static byte[] rsaEncrypt(String pem, byte[] data) {
        try {
            String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            PublicKey key = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(body)));
            Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
            cipher.init(Cipher.ENCRYPT_MODE, key);
            return cipher.doFinal(data);
        } catch (Exception e) {
            throw new IllegalStateException("cannot encrypt the password with the server's RSA key: " + e.getMessage(), e);
        }
    }
}
