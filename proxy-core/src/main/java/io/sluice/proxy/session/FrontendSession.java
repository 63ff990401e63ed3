package io.sluice.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.protocol.Capability;
import io.sluice.protocol.Command;
import io.sluice.protocol.ServerStatus;
import io.sluice.protocol.Wire;
import io.sluice.protocol.auth.NativePassword;
import io.sluice.protocol.auth.Scrambles;
import io.sluice.protocol.error.ErrorCode;
import io.sluice.protocol.error.MalformedPacketException;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.FrameDecoder;
import io.sluice.protocol.frame.Packet;
import io.sluice.protocol.frame.PacketAggregator;
import io.sluice.protocol.frame.PacketTooLargeException;
import io.sluice.protocol.frame.Packets;
import io.sluice.protocol.frame.SequenceException;
import io.sluice.protocol.message.ErrPacket;
import io.sluice.protocol.message.HandshakeResponse41;
import io.sluice.protocol.message.HandshakeV10;
import io.sluice.protocol.message.OkPacket;
import io.sluice.proxy.auth.ClientAuthenticator;
import io.sluice.proxy.backend.BackendConnection;
import io.sluice.proxy.backend.BackendLogin;
import io.sluice.proxy.backend.BackendLoginException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One client connection: Sluice's greeting, the client's authentication (checked by Sluice itself, before any
 * backend is touched), the backend login as the same user, then the command loop that relays each command and
 * its response.
 *
 * <h2>Threading contract</h2>
 * A session is confined to its client channel's event loop, and its backend connections are created on the same
 * loop, so every method here runs on that one thread: no locks, no atomics. Other threads reach a session only
 * through {@link #kill(boolean)}-style entry points that hop onto its loop with {@code execute}.
 *
 * <h2>Phases</h2>
 * {@link Phase} moves only through {@link #phase(Phase)}, which rejects illegal transitions loudly.
 *
 * <h2>Relay</h2>
 * Commands are handled one at a time in arrival order; commands a client pipelines behind one in flight wait in
 * a queue (bounded: reading from the client pauses when it grows). Response frames are passed to the client raw,
 * header included, written as they arrive and flushed when the backend's read batch ends or the response
 * completes. When the client cannot take more, reading from the backend pauses (back-pressure), so a slow client
 * never makes Sluice hold a large result set.
 */
public final class FrontendSession extends ChannelInboundHandlerAdapter implements BackendConnection.Listener {
    private static final Logger log = LoggerFactory.getLogger(FrontendSession.class);
    /** Before authentication a client may not make Sluice buffer more than this. */
    private static final int PRE_AUTH_MAX_PACKET = 64 * 1024;
    /** Pipelined bytes queued behind the command in flight before reading from the client pauses. */
    private static final int PENDING_HIGH_WATER = 1 << 20;

    /** Pipeline names, set by the server that builds the pipeline. */
    public static final String PIPELINE_IDLE = "idle";
    public static final String PIPELINE_FRAMES = "frames";
    public static final String PIPELINE_SESSION = "session";

    /** Where the session stands. */
    public enum Phase {
        AWAIT_HANDSHAKE_RESPONSE, TLS_HANDSHAKE, AUTHENTICATING, CONNECTING_BACKEND, COMMAND, IN_FLIGHT, CLOSING;

        boolean canMoveTo(Phase next) {
            return switch (this) {
                case AWAIT_HANDSHAKE_RESPONSE -> next == TLS_HANDSHAKE || next == AUTHENTICATING || next == CLOSING;
                case TLS_HANDSHAKE -> next == AWAIT_HANDSHAKE_RESPONSE || next == CLOSING;
                case AUTHENTICATING -> next == CONNECTING_BACKEND || next == CLOSING;
                case CONNECTING_BACKEND -> next == COMMAND || next == CLOSING;
                case COMMAND -> next == IN_FLIGHT || next == AUTHENTICATING || next == CLOSING;
                case IN_FLIGHT -> next == COMMAND || next == CLOSING;
                case CLOSING -> false;
            };
        }
    }

    private final SessionServices services;
    private final long id;
    private final byte[] scramble = Scrambles.generate();
    private final ArrayDeque<Frame> pending = new ArrayDeque<>();
    private Channel channel;
    private ChannelHandlerContext ctx;
    private FrameDecoder decoder;
    private PacketAggregator aggregator;
    private Phase phase = Phase.AWAIT_HANDSHAKE_RESPONSE;
    private Capability clientCaps;
    private int authSeq;
    private boolean overTls;
    private ClientAuthenticator authenticator;
    private BackendLogin login;
    private BackendConnection backend;
    private ResponseTracker tracker;
    private boolean registered;
    private int pendingBytes;
    /** The command being forwarded spans several frames (16 MiB and more); its next frame goes straight up. */
    private boolean clientStreaming;
    private int clientSeq;
    /** A command Sluice refused whose remaining frames must be swallowed. */
    private boolean discardingCommand;
    private boolean changingUser;
    private boolean awaitingOwnKill;
    private ScheduledFuture<?> handshakeTimer;
    private String user;
    private String clientHost = "?";

    public FrontendSession(SessionServices services, long id) {
        this.services = services;
        this.id = id;
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.channel = ctx.channel();
        this.decoder = ctx.pipeline().get(FrameDecoder.class);
        this.aggregator = new PacketAggregator(ctx.alloc());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (channel.remoteAddress() instanceof InetSocketAddress isa) {
            clientHost = isa.getAddress().getHostAddress();
        }
        if (!services.registry().register(id, this)) {
            log.warn("conn {}: refused {}, max_connections {} reached", id, clientHost, services.registry().size());
            // Before the greeting, the server's ERR carries sequence id 0.
            phase = Phase.CLOSING;
            writeErrAndClose(0, ErrPacket.of(ErrorCode.TOO_MANY_CONNECTIONS));
            return;
        }
        registered = true;
        decoder.maxPacketSize(PRE_AUTH_MAX_PACKET);
        decoder.setSingleDecode(true);
        ServerIdentity server = services.identity();
        Capability caps = server.capabilities();
        if (services.clientTls() != null) {
            caps = caps.with(Capability.SSL);
        }
        HandshakeV10 greeting = new HandshakeV10(server.serverVersion(), id, scramble, caps, server.characterSet(),
                ServerStatus.AUTOCOMMIT, NativePassword.PLUGIN, 0);
        channel.writeAndFlush(Packets.build(ctx.alloc(), 0, greeting::encode));
        authSeq = 1;
        handshakeTimer = ctx.executor().schedule(this::handshakeTimedOut,
                services.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        log.debug("conn {}: accepted from {}", id, clientHost);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (phase != Phase.CLOSING) {
            phase = Phase.CLOSING;
        }
        cleanUp();
        log.debug("conn {}: client {} disconnected", id, clientHost);
    }

    private void cleanUp() {
        if (registered) {
            registered = false;
            services.registry().unregister(id);
        }
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        aggregator.close();
        releasePending();
        if (backend != null) {
            BackendConnection b = backend;
            backend = null;
            b.listener(null);
            b.close();
        }
    }

    private void handshakeTimedOut() {
        if (phase == Phase.AWAIT_HANDSHAKE_RESPONSE || phase == Phase.TLS_HANDSHAKE || phase == Phase.AUTHENTICATING) {
            log.info("conn {}: {} did not finish the handshake within {}, closing", id, clientHost,
                    services.handshakeTimeout());
            close();
        }
    }

    private void phase(Phase next) {
        if (!phase.canMoveTo(next)) {
            throw new IllegalStateException("conn " + id + ": illegal phase change " + phase + " -> " + next);
        }
        phase = next;
    }

    public long id() {
        return id;
    }

    public String user() {
        return user;
    }

    public Phase phase() {
        return phase;
    }

    public String clientHost() {
        return clientHost;
    }

    // ------------------------------------------------------------------ inbound from the client

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Frame frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            switch (phase) {
                case AWAIT_HANDSHAKE_RESPONSE, AUTHENTICATING -> onAuthFrame(frame);
                case CONNECTING_BACKEND -> enqueue(frame);
                case COMMAND, IN_FLIGHT -> onCommandFrame(frame);
                case TLS_HANDSHAKE, CLOSING -> frame.release();
            }
        } catch (SequenceException e) {
            protocolError(ErrPacket.of(ErrorCode.PACKETS_OUT_OF_ORDER), e.getMessage());
        } catch (MalformedPacketException e) {
            protocolError(ErrPacket.of(phase == Phase.COMMAND || phase == Phase.IN_FLIGHT
                    ? ErrorCode.MALFORMED_PACKET : ErrorCode.BAD_HANDSHAKE), e.getMessage());
        }
    }

    private void onAuthFrame(Frame frame) {
        int expected = authSeq;
        Packet packet = aggregator.add(frame);
        if (packet == null) {
            return;
        }
        try {
            if (packet.sequenceId() != expected) {
                throw new SequenceException(expected, packet.sequenceId());
            }
            authSeq = packet.nextSequenceId();
            if (phase == Phase.AWAIT_HANDSHAKE_RESPONSE) {
                onHandshakeResponse(HandshakeResponse41.decode(packet.payload()));
            } else {
                byte[] data = new byte[packet.payload().readableBytes()];
                packet.payload().readBytes(data);
                authenticator.onClientData(data);
            }
        } finally {
            packet.release();
        }
    }

    private void onHandshakeResponse(HandshakeResponse41 response) {
        Capability offered = services.identity().capabilities();
        if (services.clientTls() != null) {
            offered = offered.with(Capability.SSL);
        }
        clientCaps = response.capabilities().and(offered);
        if (response.sslRequest()) {
            if (services.clientTls() == null) {
                protocolError(ErrPacket.of(ErrorCode.BAD_HANDSHAKE), "SSLRequest but TLS is not offered");
                return;
            }
            phase(Phase.TLS_HANDSHAKE);
            SslHandler ssl = services.clientTls().newHandler(ctx.alloc());
            // The ClientHello may have arrived in the same read as the SSLRequest: it sits in the frame
            // decoder (which decodes one frame per read before login) and must go through TLS instead.
            ByteBuf early = decoder.takeBuffered();
            ctx.pipeline().addFirst("tls", ssl);
            if (early.isReadable()) {
                ctx.pipeline().fireChannelRead(early);
            } else {
                early.release();
            }
            return;
        }
        user = response.username();
        phase(Phase.AUTHENTICATING);
        Map<String, String> attrs = new LinkedHashMap<>(response.attributes());
        attrs.put("_sluice_client", clientHost);
        login = new BackendLogin(user, null, null, response.database(), clientCaps.without(Capability.SSL),
                response.characterSet(), attrs);
        authenticator = newAuthenticator();
        authenticator.start(user, clientCaps.pluginAuth() ? response.authPluginName() : NativePassword.PLUGIN,
                response.authResponse());
    }

    private ClientAuthenticator newAuthenticator() {
        InetAddress address = channel.remoteAddress() instanceof InetSocketAddress isa
                ? isa.getAddress() : InetAddress.getLoopbackAddress();
        return new ClientAuthenticator(services.users(), address, overTls, services.rsa(), scramble,
                new ClientAuthenticator.Sink() {
                    @Override
                    public void send(Consumer<ByteBuf> payload) {
                        channel.writeAndFlush(Packets.build(ctx.alloc(), authSeq, payload));
                        authSeq = (authSeq + 1) & 0xFF;
                    }

                    @Override
                    public void succeeded(ClientAuthenticator.Outcome outcome) {
                        onAuthenticated(outcome);
                    }

                    @Override
                    public void failed(ErrPacket error) {
                        log.info("conn {}: login refused for '{}' from {}: {}", id, user, clientHost, error.message());
                        phase(Phase.CLOSING);
                        writeErrAndClose(authSeq, error);
                    }
                });
    }

    private void onAuthenticated(ClientAuthenticator.Outcome outcome) {
        login = new BackendLogin(login.user(), outcome.password(), outcome.nativeStage1(), login.database(),
                login.capabilities(), login.characterSet(), login.attributes());
        phase(Phase.CONNECTING_BACKEND);
        BackendConnection previous = backend;
        backend = null;
        if (previous != null) {
            previous.listener(null);
            previous.close();
        }
        connectBackend(login, outcome.verifiedLocally());
    }

    private void connectBackend(BackendLogin backendLogin, boolean verifiedLocally) {
        BackendConnection.connect(channel.eventLoop(), services.backendChannelType(), services.backend().get(),
                        backendLogin, services.backendTls(), (int) services.connectTimeout().toMillis())
                .whenComplete((conn, error) -> {
                    // Completed on our event loop: the backend channel is registered on it.
                    if (error != null) {
                        onBackendLoginFailed(error, verifiedLocally);
                    } else {
                        onBackendReady(conn);
                    }
                });
    }

    private void onBackendLoginFailed(Throwable error, boolean verifiedLocally) {
        if (phase == Phase.CLOSING) {
            return;
        }
        Throwable cause = error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
        ErrPacket err;
        if (cause instanceof BackendLoginException ble && ble.err() != null) {
            err = ble.err();
        } else if (!verifiedLocally) {
            err = ErrPacket.of(ErrorCode.ACCESS_DENIED, user, clientHost, "YES");
        } else {
            err = ErrPacket.of(ErrorCode.BACKEND_UNAVAILABLE, cause.getMessage());
        }
        log.warn("conn {}: backend login for '{}' failed: {}", id, user, cause.getMessage());
        phase(Phase.CLOSING);
        writeErrAndClose(authSeq, err);
    }

    private void onBackendReady(BackendConnection conn) {
        if (phase == Phase.CLOSING) {
            conn.close();
            return;
        }
        backend = conn;
        tracker = new ResponseTracker(clientCaps.deprecateEof());
        conn.listener(this);
        conn.autoRead(channel.isWritable());
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
            handshakeTimer = null;
        }
        decoder.maxPacketSize(services.maxPacketSize());
        decoder.setSingleDecode(false);
        int seq = authSeq;
        OkPacket ok = OkPacket.of(0, 0, conn.loginStatus() & ~ServerStatus.SESSION_STATE_CHANGED, 0);
        channel.writeAndFlush(Packets.build(ctx.alloc(), seq, b -> ok.encode(b, clientCaps)));
        phase(Phase.COMMAND);
        if (changingUser) {
            changingUser = false;
            log.info("conn {}: changed user to '{}'", id, user);
        } else {
            log.info("conn {}: '{}' from {} logged in, {}", id, user, clientHost, conn);
        }
        drainPending();
        // Frames that arrived with the last login packet wait in the decoder (one frame per read before
        // login); an empty read makes it decode them now.
        ChannelHandlerContext beforeDecoder = ctx.pipeline().context(PIPELINE_IDLE);
        if (beforeDecoder != null) {
            beforeDecoder.fireChannelRead(io.netty.buffer.Unpooled.EMPTY_BUFFER);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent e) {
            if (e.isSuccess() && phase == Phase.TLS_HANDSHAKE) {
                overTls = true;
                phase(Phase.AWAIT_HANDSHAKE_RESPONSE);
            } else if (!e.isSuccess()) {
                log.info("conn {}: TLS handshake with {} failed: {}", id, clientHost, e.cause().getMessage());
                close();
            }
            return;
        }
        if (evt instanceof IdleStateEvent && decoder.midPacket()) {
            log.info("conn {}: {} stalled in the middle of a packet, closing", id, clientHost);
            protocolError(ErrPacket.of(ErrorCode.READ_TIMEOUT), "read timeout");
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    // ------------------------------------------------------------------ command phase

    private void onCommandFrame(Frame frame) {
        if (!pending.isEmpty()) {
            enqueue(frame);
            return;
        }
        dispatch(frame);
    }

    private void dispatch(Frame frame) {
        if (clientStreaming || discardingCommand) {
            continueCommand(frame);
            return;
        }
        if (phase == Phase.IN_FLIGHT) {
            if (tracker.awaitingClientInfile()) {
                boolean last = tracker.onClientInfileFrame(frame);
                backend.write(frame.content());
                if (last || frame.payloadLength() >= 65536) {
                    backend.flush();
                }
                return;
            }
            enqueue(frame);
            return;
        }
        startCommand(frame);
    }

    private void continueCommand(Frame frame) {
        int expected = (clientSeq + 1) & 0xFF;
        if (frame.sequenceId() != expected) {
            frame.release();
            throw new SequenceException(expected, frame.sequenceId());
        }
        clientSeq = expected;
        boolean more = frame.continues();
        if (discardingCommand) {
            frame.release();
            discardingCommand = more;
            return;
        }
        clientStreaming = more;
        backend.write(frame.content());
        if (!more) {
            backend.flush();
        }
    }

    private void startCommand(Frame frame) {
        if (frame.sequenceId() != 0) {
            int seq = frame.sequenceId();
            frame.release();
            throw new SequenceException(0, seq);
        }
        clientSeq = 0;
        int first = frame.firstByte();
        Command command = first < 0 ? null : Command.of(first);
        if (command == null) {
            refuse(frame, ErrPacket.of(ErrorCode.UNKNOWN_COMMAND));
            return;
        }
        switch (command) {
            case QUIT -> {
                frame.release();
                close();
            }
            case SLEEP, CONNECT, TIME, DELAYED_INSERT, BINLOG_DUMP, TABLE_DUMP, CONNECT_OUT, REGISTER_SLAVE,
                 DAEMON, BINLOG_DUMP_GTID -> refuse(frame, ErrPacket.of(ErrorCode.UNKNOWN_COMMAND));
            case CHANGE_USER -> changeUser(frame);
            case PROCESS_KILL -> {
                ByteBuf p = frame.payload();
                if (p.readableBytes() < 5) {
                    refuse(frame, ErrPacket.of(ErrorCode.MALFORMED_PACKET));
                    return;
                }
                long target = p.getUnsignedIntLE(p.readerIndex() + 1);
                frame.release();
                kill(new StatementInspector.Kill(target, false));
            }
            case QUERY -> {
                StatementInspector.Kill kill = frame.continues() ? null : inspectKill(frame);
                if (kill != null) {
                    frame.release();
                    kill(kill);
                } else {
                    forward(frame, command);
                }
            }
            default -> forward(frame, command);
        }
    }

    private StatementInspector.Kill inspectKill(Frame frame) {
        ByteBuf p = frame.payload();
        // Cheap pre-check on the bytes, without allocating: only texts that contain "kill" are classified.
        if (!containsKill(p, p.readerIndex() + 1, p.writerIndex())) {
            return null;
        }
        String sql = p.toString(p.readerIndex() + 1, p.readableBytes() - 1, StandardCharsets.UTF_8);
        return services.inspector().kill(sql);
    }

    /** Whether bytes [from, to) contain "kill" in any letter case (ASCII). */
    static boolean containsKill(ByteBuf buf, int from, int to) {
        for (int i = from; i + 3 < to; i++) {
            if ((buf.getByte(i) | 0x20) == 'k' && (buf.getByte(i + 1) | 0x20) == 'i'
                    && (buf.getByte(i + 2) | 0x20) == 'l' && (buf.getByte(i + 3) | 0x20) == 'l') {
                return true;
            }
        }
        return false;
    }

    private void forward(Frame frame, Command command) {
        clientStreaming = frame.continues();
        tracker.begin(command);
        if (ResponseTracker.expectsResponse(command)) {
            phase(Phase.IN_FLIGHT);
        }
        backend.write(frame.content());
        if (!clientStreaming) {
            backend.flush();
        }
    }

    /** Answers a command Sluice will not relay with an ERR, keeping the session. */
    private void refuse(Frame frame, ErrPacket err) {
        discardingCommand = frame.continues();
        frame.release();
        channel.writeAndFlush(Packets.build(ctx.alloc(), 1, err::encode));
    }

    /**
     * {@code KILL [QUERY] <id>} names a Sluice connection id; the backend knows only its own thread ids. The KILL
     * is rewritten to the target session's backend thread and sent through this session's own backend
     * connection, so the server applies its own rule (same user, or CONNECTION ADMIN / SUPER) and answers.
     */
    private void kill(StatementInspector.Kill kill) {
        FrontendSession target = services.registry().get(kill.connectionId());
        long backendThread = target == null ? -1 : target.backendThreadId();
        if (backendThread < 0) {
            channel.writeAndFlush(Packets.build(ctx.alloc(), 1,
                    ErrPacket.of(ErrorCode.NO_SUCH_THREAD, kill.connectionId())::encode));
            return;
        }
        if (target == this && !kill.queryOnly()) {
            awaitingOwnKill = true;
        }
        String sql = (kill.queryOnly() ? "KILL QUERY " : "KILL CONNECTION ") + backendThread;
        log.info("conn {}: {} (Sluice connection {})", id, sql, kill.connectionId());
        ByteBuf frame = Packets.build(ctx.alloc(), 0, b -> {
            b.writeByte(Command.QUERY.code());
            b.writeCharSequence(sql, StandardCharsets.UTF_8);
        });
        tracker.begin(Command.QUERY);
        phase(Phase.IN_FLIGHT);
        backend.writeAndFlush(frame);
    }

    /** The backend thread serving this session now, or -1. Safe to call from any thread (a racy read is fine). */
    public long backendThreadId() {
        BackendConnection b = backend;
        return b == null ? -1 : b.threadId();
    }

    /**
     * Bytes written to the client but not yet taken by its socket: what a slow client makes Sluice hold. Safe to call
     * from any thread (the count is volatile); 0 once the channel is closed.
     */
    public long pendingClientBytes() {
        Channel c = channel;
        io.netty.channel.ChannelOutboundBuffer out = c == null ? null : c.unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }

    /** Whether Sluice is reading from this session's backend now (false while back-pressure holds it). Any thread. */
    public boolean readingFromBackend() {
        BackendConnection b = backend;
        return b != null && b.channel().config().isAutoRead();
    }

    private void changeUser(Frame frame) {
        Packet packet = aggregator.add(frame);
        if (packet == null) {
            return;
        }
        try {
            ByteBuf p = packet.payload();
            p.skipBytes(1);
            String newUser = Wire.readNulString(p, "user");
            byte[] auth;
            if (clientCaps.secureConnection()) {
                auth = Wire.readBytes(p, Wire.readInt1(p, "auth length"), "auth response");
            } else {
                auth = Wire.readNulBytes(p, "auth response");
            }
            String db = p.isReadable() ? Wire.readNulString(p, "database") : null;
            int charset = login.characterSet();
            if (p.readableBytes() >= 2) {
                charset = p.readUnsignedShortLE();
            }
            String plugin = NativePassword.PLUGIN;
            if (clientCaps.pluginAuth() && p.isReadable()) {
                int end = p.indexOf(p.readerIndex(), p.writerIndex(), (byte) 0);
                plugin = end < 0 ? Wire.readRestString(p) : Wire.readNulString(p, "plugin");
            }
            authSeq = 1;
            user = newUser;
            changingUser = true;
            login = new BackendLogin(newUser, null, null, db == null || db.isEmpty() ? null : db,
                    login.capabilities(), charset, login.attributes());
            phase(Phase.AUTHENTICATING);
            authenticator = newAuthenticator();
            authenticator.start(newUser, plugin, auth);
        } finally {
            packet.release();
        }
    }

    private void enqueue(Frame frame) {
        pending.add(frame);
        pendingBytes += frame.content().readableBytes();
        if (pendingBytes > PENDING_HIGH_WATER && channel.config().isAutoRead()) {
            channel.config().setAutoRead(false);
        }
    }

    private void drainPending() {
        while (!pending.isEmpty() && (phase == Phase.COMMAND || clientStreaming || discardingCommand)) {
            Frame f = pending.poll();
            pendingBytes -= f.content().readableBytes();
            try {
                dispatch(f);
            } catch (SequenceException e) {
                protocolError(ErrPacket.of(ErrorCode.PACKETS_OUT_OF_ORDER), e.getMessage());
                return;
            } catch (MalformedPacketException e) {
                protocolError(ErrPacket.of(ErrorCode.MALFORMED_PACKET), e.getMessage());
                return;
            }
        }
        if (pendingBytes <= PENDING_HIGH_WATER / 2 && !channel.config().isAutoRead() && phase != Phase.CLOSING) {
            channel.config().setAutoRead(true);
        }
    }

    private void releasePending() {
        Frame f;
        while ((f = pending.poll()) != null) {
            f.release();
        }
        pendingBytes = 0;
    }

    // ------------------------------------------------------------------ inbound from the backend

    @Override
    public void onBackendFrame(BackendConnection conn, Frame frame) {
        if (conn != backend || phase != Phase.IN_FLIGHT) {
            log.debug("conn {}: dropping unsolicited {} from {}", id, frame, conn);
            frame.release();
            return;
        }
        boolean done;
        try {
            done = tracker.onFrame(frame);
        } catch (RuntimeException e) {
            frame.release();
            log.warn("conn {}: cannot follow the response from {}: {}", id, conn, e.getMessage());
            backendLost("protocol error from backend: " + e.getMessage());
            return;
        }
        channel.write(frame.content(), channel.voidPromise());
        if (done) {
            channel.flush();
            phase(Phase.COMMAND);
            drainPending();
        }
    }

    @Override
    public void onBackendReadComplete(BackendConnection conn) {
        if (conn == backend) {
            channel.flush();
        }
    }

    @Override
    public void onBackendClosed(BackendConnection conn, Throwable cause) {
        if (conn != backend) {
            return;
        }
        backend = null;
        if (phase == Phase.CLOSING) {
            return;
        }
        String reason = cause == null ? "backend closed the connection" : cause.toString();
        if (awaitingOwnKill) {
            log.info("conn {}: killed by its own KILL CONNECTION", id);
            close();
            return;
        }
        backendLost(reason);
    }

    /**
     * The backend went away (or broke the protocol). A statement in flight gets ERR 2013 in the sequence the client
     * is at; an idle session is closed, as a server closes a connection it killed.
     */
    private void backendLost(String reason) {
        log.warn("conn {}: lost backend ({}) in phase {}", id, reason, phase);
        BackendConnection b = backend;
        backend = null;
        if (b != null) {
            b.listener(null);
            b.close();
        }
        if (phase == Phase.IN_FLIGHT) {
            ErrPacket err = ErrPacket.of(ErrorCode.BACKEND_LOST, reason);
            int seq = tracker.nextSequenceId();
            phase(Phase.CLOSING);
            writeErrAndClose(seq, err);
        } else {
            close();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (backend != null) {
            backend.autoRead(channel.isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    // ------------------------------------------------------------------ errors and closing

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof PacketTooLargeException tooLarge) {
            log.info("conn {}: {} sent {}", id, clientHost, tooLarge.getMessage());
            protocolError(ErrPacket.of(ErrorCode.PACKET_TOO_LARGE), tooLarge.getMessage());
        } else if (root instanceof IOException || root instanceof javax.net.ssl.SSLException) {
            log.debug("conn {}: {}", id, root.toString());
            close();
        } else {
            log.warn("conn {}: unexpected error, closing", id, root);
            close();
        }
    }

    /** A fatal protocol violation: ERR if the client can still read one, then close. */
    private void protocolError(ErrPacket err, String detail) {
        if (phase == Phase.CLOSING) {
            return;
        }
        log.info("conn {}: protocol error from {}: {} ({})", id, clientHost, err.message(), detail);
        int seq;
        if (clientStreaming) {
            // The offending frame is the one after the last forwarded (clientSeq + 1); the reply follows it.
            seq = clientSeq + 2;
        } else if (phase == Phase.IN_FLIGHT) {
            seq = tracker.nextSequenceId();
        } else {
            seq = phase == Phase.COMMAND ? clientSeq + 1 : authSeq;
        }
        phase = Phase.CLOSING;
        writeErrAndClose(seq & 0xFF, err);
    }

    private void writeErrAndClose(int seq, ErrPacket err) {
        channel.writeAndFlush(Packets.build(channel.alloc(), seq, err::encode))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** Closes the session from another thread (shutdown, admin): hops onto the session's event loop. */
    public void closeFromAnyThread() {
        if (channel != null) {
            channel.eventLoop().execute(this::close);
        }
    }

    /** Closes the client connection (and, through channelInactive, the backend). */
    public void close() {
        if (phase != Phase.CLOSING) {
            phase = Phase.CLOSING;
        }
        channel.close();
    }

    @Override
    public String toString() {
        return "session " + id + " ('" + user + "' from " + clientHost + ", " + phase + ")";
    }

    static void release(Object o) {
        ReferenceCountUtil.release(o);
    }
}
