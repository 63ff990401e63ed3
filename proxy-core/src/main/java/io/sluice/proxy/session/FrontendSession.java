package io.sluice.proxy.session;

import io.sluice.proxy.gtid.GtidTracking;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
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
import io.sluice.protocol.frame.FrameRun;
import io.sluice.protocol.frame.Packet;
import io.sluice.protocol.frame.PacketAggregator;
import io.sluice.protocol.frame.PacketTooLargeException;
import io.sluice.protocol.frame.Packets;
import io.sluice.protocol.frame.SequenceException;
import io.sluice.protocol.message.ErrPacket;
import io.sluice.protocol.message.HandshakeResponse41;
import io.sluice.protocol.message.HandshakeV10;
import io.sluice.protocol.message.OkPacket;
import io.sluice.protocol.message.TextResultSet;
import io.sluice.protocol.gtid.GtidSet;
import io.sluice.protocol.track.TrackedOk;
import io.sluice.proxy.auth.ClientAuthenticator;
import io.sluice.proxy.backend.BackendConnection;
import io.sluice.proxy.backend.BackendEndpoint;
import io.sluice.proxy.backend.BackendProbe;
import io.sluice.proxy.metrics.SessionMeter;
import io.sluice.proxy.tls.TlsUpgrade;
import io.sluice.protocol.message.StmtPrepareOk;
import io.sluice.routing.classify.Classification;
import io.sluice.routing.classify.Consistency;
import io.sluice.routing.classify.SluiceStatement;
import io.sluice.routing.classify.StatementFlag;
import io.sluice.routing.route.ReadRetry;
import io.sluice.routing.route.Reason;
import io.sluice.routing.route.RouteDecision;
import io.sluice.routing.route.SessionRouting;
import io.sluice.proxy.backend.BackendLogin;
import io.sluice.proxy.backend.BackendLoginException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.function.Function;
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
    /** Backend packets up to this size are gathered into one write to the client; larger ones are written as is. */
    private static final int RELAY_COPY_LIMIT = 2048;
    /** The gathering buffer's size: a point select's whole answer and many small result sets fit. */
    private static final int RELAY_BUFFER = 8192;

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
    /** The connections the session holds now, at most one per server. */
    private final HeldLinks links = new HeldLinks();
    /** This session's pool slot per server, for the login it has now. */
    private final Map<String, LinkPool.Slot> slots = new HashMap<>(4);
    private LinkPool pool;
    /** {@link #readyToForward}, made once: every statement hands it on. */
    private final Consumer<ServerLink> forward = this::readyToForward;
    /** The connection running the client's command in flight, or null. */
    private ServerLink current;
    private SessionState state = new SessionState(null);
    private final SessionRouting routing;
    /** The command in flight was routed: the router's session state learns how it ended. */
    private boolean routed;
    private String startedOn;
    private final Map<Long, Prepared> prepared = new HashMap<>();
    private long nextStatementId = 1;
    private long lastPreparedId;
    private String preparingSql;
    /** The client command waiting for its connection (being opened, replayed, or preparing the statement). */
    private Frame waiting;
    private Command waitingCommand;
    private Command runningCommand;
    private Function<ServerLink, Frame> waitingRewrite;
    private Runnable waitingSuccess;
    /** The connection the last statement ran on, kept until the next one (see completeCommand). */
    private ServerLink sticky;
    private Classification runningClassification;
    private String secretDigest = "none";
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
    /** What the client asked session tracking to tell it; Sluice's own tracking is taken out of its OK packets. */
    private TrackedOk.ClientTracking clientTracking = TrackedOk.ClientTracking.NONE;
    /** A consistent read waiting for a replica to catch up ({@code routing.causal_wait}): its wake-ups and frame. */
    private io.sluice.proxy.gtid.Waiter causalWaiter;
    private ScheduledFuture<?> causalTimer;
    private Frame causalFrame;
    /**
     * When the statement held for want of a source ({@link Routes#sourceHold()}: a failover is promoting a new one)
     * stops waiting and is refused; 0 when none is held. The hold reuses the causal wait's frame and timer.
     */
    private long sourceHoldDeadline;
    /**
     * The GTIDs the replica chosen for the statement in flight streamed only a moment ago: a transaction reaches the
     * binlog stream just before the engine commits it, so a wait for them (MASTER_GTID_WAIT, which follows commits)
     * goes ahead of the statement in the same write. It costs no round trip: the server answers both in turn.
     */
    private GtidSet fence;
    /** The last promotion this session has checked its writes against (see {@link #lostWriteReported}). */
    private long promotionSeen;
    /** The error its next read gets: a failover lost writes it had acknowledged. */
    private ErrPacket lostWrite;
    /** The statement being routed had its global read confirmed with the source already. */
    private boolean sourceConfirmed;
    /** A copy of the fenced command, sent again to the source if the replica's fence times out; and that replica. */
    private Frame fencedCopy;
    private String fenceFailedOn;
    /** The response of the command in flight is being swallowed: its fence timed out, the command will run again. */
    private boolean discardingResponse;
    /** Counts the waits, so that a late wake-up of a finished one is recognised. */
    private long causalWaits;
    /** The consistency level of the statement in flight: above eventual, what it saw raises the session's needs. */
    private Consistency runningLevel = Consistency.EVENTUAL;
    /** The client's address: from the PROXY protocol header when a load balancer sent one, else the peer's. */
    private InetSocketAddress clientAddress;
    private final SessionMeter meter;
    /**
     * The statement in flight may be sent again if its server dies before any of its answer reached the client
     * ({@link ReadRetry}); its bytes as sent, kept for that; and whether any of the answer went to the client yet.
     */
    private boolean retryable;
    private Frame retryCopy;
    /**
     * False when no prepared statement is bound to a connection, so giving links back after a statement need not
     * look through all of them (a session may keep hundreds prepared). Set on every binding, cleared by a look
     * that finds none.
     */
    private boolean statementsMayBeBound;
    /** Small packets of the response being relayed, not yet written to the client (see {@link #relay}). */
    private ByteBuf relayed;
    private Classification retryClassification;
    /** How the statement in flight runs again on a server: as a text, or as an execution of a prepared statement. */
    private java.util.function.BiConsumer<Frame, String> retryRun;
    private boolean retryPrepared;
    private boolean responseForwarded;
    /** Servers the statement in flight already lost, avoided when it is routed again; how often it was sent again. */
    private final java.util.Set<String> avoid = new java.util.HashSet<>();
    private int retries;
    /** While a lost read is routed again: what was lost, for the error if it cannot run anywhere else. */
    private String retryLoss;
    /** How many times a read is sent again after losing its server: bounded, a dying cluster must not loop. */
    private static final int MAX_READ_RETRIES = 2;
    /** Bound of the check that a server whose connection closed under a read is down (at most the connect timeout). */
    private static final long DEATH_PROBE_MILLIS = 1000;
    /** The link whose loss under a read {@link #retryIfServerDown} is asking about; null otherwise. */
    private ServerLink probedLoss;

    public FrontendSession(SessionServices services, long id) {
        this(services, id, null);
    }

    /** @param clientAddress the client's real address from a PROXY protocol header, or null to use the peer's */
    public FrontendSession(SessionServices services, long id, InetSocketAddress clientAddress) {
        this.services = services;
        this.id = id;
        this.routing = new SessionRouting(id);
        Promotion known = services.routes().lastPromotion();
        this.promotionSeen = known == null ? 0 : known.epoch();   // a new session has nothing to lose
        this.clientAddress = clientAddress;
        this.meter = new SessionMeter(services.metrics());
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
        if (clientAddress == null && channel.remoteAddress() instanceof InetSocketAddress isa) {
            clientAddress = isa;
        }
        if (clientAddress != null) {
            // Interned, like the names below: an application's thousand idle connections come from a few hosts.
            clientHost = clientAddress.getAddress().getHostAddress().intern();
        }
        if (!services.registry().register(id, this)) {
            meter.refused();
            log.warn("conn {}: refused {}, max_connections {} reached", id, clientHost, services.registry().size());
            // Before the greeting, the server's ERR carries sequence id 0.
            enter(Phase.CLOSING);
            writeErrAndClose(0, ErrPacket.of(ErrorCode.TOO_MANY_CONNECTIONS));
            return;
        }
        registered = true;
        meter.accepted();
        decoder.maxPacketSize(PRE_AUTH_MAX_PACKET);
        decoder.setSingleDecode(true);
        ServerIdentity server = services.identity();
        Capability caps = server.capabilities();
        if (services.clientTls() != null) {
            caps = caps.with(Capability.SSL);
        }
        HandshakeV10 greeting = new HandshakeV10(server.serverVersion(), id, scramble, caps, server.characterSet(),
                ServerStatus.AUTOCOMMIT, NativePassword.PLUGIN, 0);
        send(Packets.build(ctx.alloc(), 0, greeting::encode));
        authSeq = 1;
        handshakeTimer = ctx.executor().schedule(this::handshakeTimedOut,
                services.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        log.debug("conn {}: accepted from {}", id, clientHost);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (phase != Phase.CLOSING) {
            enter(Phase.CLOSING);
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
        endCausalWait();
        releaseFencedCopy();
        releaseRetryCopy();
        releasePending();
        if (relayed != null) {
            relayed.release();
            relayed = null;
        }
        closeAllLinks();
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
        enter(next);
    }

    /**
     * Every phase change goes through here, so that the registry knows how many sessions run a command (the
     * shutdown drain waits for none).
     */
    private void enter(Phase next) {
        if (next == Phase.IN_FLIGHT && phase != Phase.IN_FLIGHT) {
            services.registry().commandStarted();
        } else if (phase == Phase.IN_FLIGHT && next != Phase.IN_FLIGHT) {
            services.registry().commandEnded();
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
        clientTracking = clientCaps.sessionTrack() ? TrackedOk.ClientTracking.DEFAULT : TrackedOk.ClientTracking.NONE;
        if (response.sslRequest()) {
            if (services.clientTls() == null) {
                protocolError(ErrPacket.of(ErrorCode.BAD_HANDSHAKE), "SSLRequest but TLS is not offered");
                return;
            }
            phase(Phase.TLS_HANDSHAKE);
            TlsUpgrade.begin(ctx, services.clientTls(), decoder);
            return;
        }
        user = response.username().intern();
        phase(Phase.AUTHENTICATING);
        String database = response.database() == null ? null : response.database().intern();
        changeLogin(new BackendLogin(user, null, null, database, clientCaps.without(Capability.SSL),
                response.characterSet(), ConnectAttributes.of(response.attributes(), clientHost)));
        authenticator = newAuthenticator();
        authenticator.start(user, clientCaps.pluginAuth() ? response.authPluginName() : NativePassword.PLUGIN,
                response.authResponse());
    }

    private ClientAuthenticator newAuthenticator() {
        InetAddress address = clientAddress != null ? clientAddress.getAddress() : InetAddress.getLoopbackAddress();
        return new ClientAuthenticator(services.users(), address, overTls, services.rsa(), scramble,
                new ClientAuthenticator.Sink() {
                    @Override
                    public void send(Consumer<ByteBuf> payload) {
                        FrontendSession.this.send(Packets.build(ctx.alloc(), authSeq, payload));
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
        changeLogin(new BackendLogin(login.user(), outcome.password(), outcome.nativeStage1(), login.database(),
                login.capabilities(), login.characterSet(), login.attributes()));
        phase(Phase.CONNECTING_BACKEND);
        closeAllLinks();
        state = new SessionState(login.database());
        prepared.clear();
        routing.reset();
        String server = services.routes().primary();
        if (!outcome.verifiedLocally()) {
            // Only the server can check this password: a new login on the source is the check.
            pool().reserveAnyway(server);
            openLink(server, login, false, this::onFirstLinkReady);
        } else {
            acquire(server, this::onFirstLinkReady);
        }
    }

    /** What distinguishes this user's credentials in pool keys, without keeping the secret itself there. */
    private static String secretDigest(BackendLogin l) {
        byte[] stage1 = l.password() != null ? NativePassword.stage1(l.password()) : l.nativeStage1();
        if (stage1 == null) {
            return "none";
        }
        return java.util.HexFormat.of().formatHex(io.sluice.protocol.auth.CachingSha2Password.sha256(stage1));
    }

    private LinkPool pool() {
        if (pool == null) {
            pool = services.pools().of(channel.eventLoop()); // the channel never changes loops
        }
        return pool;
    }

    /**
     * The pool slot for {@code server} under the current login, kept while the login stays (once per statement):
     * {@link #changeLogin} forgets them all, so a slot found here needs no check of its key.
     */
    private LinkPool.Slot slot(String server) {
        LinkPool.Slot s = slots.get(server);
        if (s == null) {
            s = pool().slot(new LinkPool.Key(server, login.user(), secretDigest, login.capabilities().bits(),
                    login.characterSet()));
            slots.put(server, s);
        }
        return s;
    }

    /**
     * The login the session's backend connections use from now on, and the digest of its credentials; the pool
     * slots of the previous one are dropped.
     */
    private void changeLogin(BackendLogin next) {
        login = next;
        secretDigest = secretDigest(next);
        slots.clear();
    }

    /**
     * A connection to {@code server} for this session: the one it holds, an idle one from the pool, a new one
     * when the pool's bound allows, or the next one given back (bounded by {@code pool.acquire_timeout}).
     */
    private void acquire(String server, Consumer<ServerLink> then) {
        ServerLink held = links.get(server);
        if (held != null && held.connection.isActive()) {
            then.accept(held);
            return;
        }
        if (held != null) {
            dropLink(held);
        }
        LinkPool pool = pool();
        ServerLink idle = pool.borrow(slot(server));
        if (idle != null) {
            adopt(idle);
            then.accept(idle);
            return;
        }
        if (pool.reserve(server)) {
            openLink(server, login.withDatabase(state.database()), true, then);
            return;
        }
        pool.await(slot(server), services.pools().acquireTimeoutMillis(), got -> {
            if (phase == Phase.CLOSING) {
                if (got != null) {
                    pool.giveBack(got);
                } else {
                    pool.released(server);
                }
                return;
            }
            if (got != null) {
                adopt(got);
                then.accept(got);
            } else {
                openLink(server, login.withDatabase(state.database()), true, then);
            }
        }, () -> {
            ErrPacket err = ErrPacket.of(ErrorCode.BACKEND_UNAVAILABLE, "no connection to " + server
                    + " became free within pool.acquire_timeout (pool.max_per_backend reached)");
            if (phase == Phase.CONNECTING_BACKEND) {
                phase(Phase.CLOSING);
                writeErrAndClose(authSeq, err);
            } else if (phase != Phase.CLOSING) {
                failPendingCommand(err);
            }
        });
    }

    private void adopt(ServerLink link) {
        links.put(link);
        link.connection.listener(this);
        link.connection.autoRead(channel.isWritable());
    }

    /**
     * Opens a connection to {@code server} as the session's user, with the database the client logged in with;
     * {@code then} runs on this event loop with the new link, or the failure is reported.
     */
    private void openLink(String server, BackendLogin backendLogin, boolean verifiedLocally,
                          Consumer<ServerLink> then) {
        BackendEndpoint endpoint = services.routes().endpoint(server);
        BackendConnection.connect(channel.eventLoop(), services.backendChannelType(), endpoint, backendLogin,
                        services.backendTls(), (int) services.connectTimeout().toMillis(), true)
                .whenComplete((conn, error) -> {
                    // Completed on our event loop: the backend channel is registered on it.
                    LinkPool pool = pool();
                    if (error != null) {
                        pool.released(server);
                        onLinkFailed(server, error, verifiedLocally);
                        return;
                    }
                    ServerLink link = new ServerLink(server, conn, clientCaps.deprecateEof(),
                            SessionState.Snapshot.fresh(backendLogin.database()), slot(server));
                    conn.channel().closeFuture().addListener(f -> pool.closed(link));
                    if (phase == Phase.CLOSING) {
                        pool.giveBack(link);
                        return;
                    }
                    adopt(link);
                    then.accept(link);
                });
    }

    private void onLinkFailed(String server, Throwable error, boolean verifiedLocally) {
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
            err = ErrPacket.of(ErrorCode.BACKEND_UNAVAILABLE, server + ": " + cause.getMessage());
        }
        log.warn("conn {}: backend login for '{}' on {} failed: {}", id, user, server, cause.getMessage());
        meter.backendError(server);
        boolean serverAnswered = cause instanceof BackendLoginException b && b.err() != null;
        if (phase == Phase.CONNECTING_BACKEND && verifiedLocally && !serverAnswered && retryLoginElsewhere()) {
            return;
        }
        if (phase == Phase.CONNECTING_BACKEND) {
            phase(Phase.CLOSING);
            writeErrAndClose(authSeq, err);
        } else {
            // A later link (another server) failed: the command waiting for it gets the error, the session lives.
            failPendingCommand(err);
        }
    }

    /**
     * The server logins go to could not be reached (not: it refused the account). When statements may wait for a
     * source ({@link Routes#sourceHold()}: a failover may be under way), tries again every
     * {@link #SOURCE_HOLD_POLL_MILLIS} ms, on whichever server the topology names then, for up to that long: the
     * monitor notices a dead source within an interval, after which logins go to a live server.
     *
     * @return false when the login must fail now
     */
    private boolean retryLoginElsewhere() {
        java.time.Duration hold = services.routes().sourceHold();
        if (hold.isZero()) {
            return false;
        }
        long now = System.nanoTime();
        if (loginRetryDeadline == 0) {
            loginRetryDeadline = now + hold.toNanos();
        } else if (now - loginRetryDeadline >= 0) {
            return false;
        }
        channel.eventLoop().schedule(() -> {
            if (phase == Phase.CONNECTING_BACKEND) {
                acquire(services.routes().primary(), this::onFirstLinkReady);
            }
        }, SOURCE_HOLD_POLL_MILLIS, TimeUnit.MILLISECONDS);
        return true;
    }

    /** When a login that could not reach its server stops being retried; 0 before the first failure. */
    private long loginRetryDeadline;

    private void onFirstLinkReady(ServerLink link) {
        String db = state.database();
        if (db != null && !db.equals(link.applied.database())) {
            // A pooled connection: the database the client logged in with is set now, so that an unknown one
            // fails the login as the server would fail it, not the first statement.
            ByteBuf initDb = Packets.build(ctx.alloc(), 0, b -> {
                b.writeByte(Command.INIT_DB.code());
                b.writeCharSequence(db, StandardCharsets.UTF_8);
            });
            internal(link, initDb, Command.INIT_DB, outcome -> {
                if (outcome.failed()) {
                    phase(Phase.CLOSING);
                    writeErrAndClose(authSeq, outcome.error());
                    return;
                }
                link.applied = SessionState.Snapshot.fresh(db);
                onFirstLinkReady(link);
            });
            return;
        }
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
            handshakeTimer = null;
        }
        decoder.maxPacketSize(services.maxPacketSize());
        decoder.setSingleDecode(false);
        int seq = authSeq;
        OkPacket ok = OkPacket.of(0, 0, link.connection.loginStatus() & ~ServerStatus.SESSION_STATE_CHANGED, 0);
        send(Packets.build(ctx.alloc(), seq, b -> ok.encode(b, clientCaps)));
        phase(Phase.COMMAND);
        if (changingUser) {
            changingUser = false;
            log.info("conn {}: changed user to '{}'", id, user);
        } else {
            log.info("conn {}: '{}' from {} logged in, {}", id, user, clientHost, link);
        }
        releaseIdleLinks();
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
            if (current != null && current.tracker.awaitingClientInfile()) {
                boolean last = current.tracker.onClientInfileFrame(frame);
                current.connection.write(frame.content());
                if (last || frame.payloadLength() >= 65536) {
                    current.connection.flush();
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
        current.connection.write(frame.content());
        if (!more) {
            current.connection.flush();
        }
    }

    private void startCommand(Frame frame) {
        if (frame.sequenceId() != 0) {
            int seq = frame.sequenceId();
            frame.release();
            throw new SequenceException(0, seq);
        }
        clientSeq = 0;
        retryable = false;
        retryClassification = null;
        retryRun = null;
        releaseRetryCopy();
        avoid.clear();
        retries = 0;
        retryLoss = null;
        int first = frame.firstByte();
        Command command = first < 0 ? null : Command.of(first);
        meter.commandStarted(command);
        if (services.lifecycle().draining() && command != Command.QUIT) {
            refuseAndClose(frame, ErrPacket.of(ErrorCode.SERVER_SHUTDOWN));
            return;
        }
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
            case QUERY -> query(frame);
            case INIT_DB -> {
                String db = frame.payload().toString(frame.payload().readerIndex() + 1,
                        frame.payload().readableBytes() - 1, StandardCharsets.UTF_8);
                run(frame, command, routeToPrimary(), null, () -> state.useDatabase(db));
            }
            case STMT_PREPARE -> prepare(frame);
            case STMT_EXECUTE, STMT_SEND_LONG_DATA, STMT_CLOSE, STMT_RESET, STMT_FETCH -> statementCommand(frame, command);
            case RESET_CONNECTION -> run(frame, command, routeToPrimary(), null, this::afterReset);
            default -> run(frame, command, routeToPrimary(), null, null);
        }
    }

    private void query(Frame frame) {
        ByteBuf p = frame.payload();
        // The first frame holds the statement's start, which is all classification needs; a text cut at 16 MiB
        // classifies as unterminated and therefore goes to the source.
        String sql = p.toString(p.readerIndex() + 1, p.readableBytes() - 1, StandardCharsets.UTF_8);
        if (!frame.continues()) {
            var own = SluiceStatement.recognize(sql);
            if (own.isPresent()) {
                frame.release();
                answer(own.get());
                return;
            }
        }
        Classification c = services.inspector().classify(sql);
        if (!c.multiStatement() && c.first().kill().isPresent()) {
            var k = c.first().kill().get();
            frame.release();
            kill(new StatementInspector.Kill(k.connectionId(), k.queryOnly()));
            return;
        }
        // Decided before routing records the statement: ReadRetry reads the session as it was before it.
        boolean repeatable = !frame.continues() && ReadRetry.safeToRepeat(c, routing);
        decide(frame, c, false, server -> {
            if (repeatable) {
                repeatableAs(c, false, (again, to) -> run(again, Command.QUERY, to, null, () -> afterStatement(c)));
            }
            run(frame, Command.QUERY, server, null, () -> afterStatement(c));
        });
    }

    /** A statement Sluice answers itself: consistency level, causal wait and tokens. */
    private void answer(SluiceStatement st) {
        int status = (routing.autocommit() ? ServerStatus.AUTOCOMMIT : 0)
                | (routing.inTransaction() ? ServerStatus.IN_TRANS : 0);
        meter.commandEnded(st instanceof SluiceStatement.WrongValue ? ErrorCode.WRONG_VALUE_FOR_VAR.code() : 0);
        if (st instanceof SluiceStatement.SetConsistency set) {
            routing.consistency(set.level().orElse(null));
            log.debug("conn {}: consistency {}", id, set.level().map(Consistency::text).orElse("default"));
            writeOk(status);
        } else if (st instanceof SluiceStatement.SetCausalWait set) {
            routing.causalWait(set.duration().orElse(null));
            writeOk(status);
        } else if (st instanceof SluiceStatement.SetReadAfter set) {
            try {
                routing.readAfter(GtidSet.parse(set.token()));
            } catch (IllegalArgumentException e) {
                send(Packets.build(ctx.alloc(), 1, ErrPacket.of(ErrorCode.WRONG_VALUE_FOR_VAR,
                        SluiceStatement.READ_AFTER, set.token())::encode));
                return;
            }
            writeOk(status);
        } else if (st instanceof SluiceStatement.LastGtid last) {
            send(TextResultSet.ofText(last.column()).row(routing.required().toString())
                    .encode(ctx.alloc(), 1, clientCaps, status));
        } else if (st instanceof SluiceStatement.WrongValue wrong) {
            send(Packets.build(ctx.alloc(), 1,
                    ErrPacket.of(ErrorCode.WRONG_VALUE_FOR_VAR, wrong.variable(), wrong.value())::encode));
        }
    }

    private void writeOk(int status) {
        OkPacket ok = OkPacket.of(0, 0, status, 0);
        send(Packets.build(ctx.alloc(), 1, b -> ok.encode(b, clientCaps)));
    }

    /**
     * Asks the router where a statement goes, records the decision in the session's routing state and hands the
     * server to {@code proceed}. A refusal is answered here. A consistent read that no replica can serve yet waits
     * for the GTID tracker (at most {@code routing.causal_wait}), then is routed again.
     */
    private void decide(Frame frame, Classification c, boolean prepared, Consumer<String> proceed) {
        if (lostWriteReported(frame, c)) {
            return;
        }
        if (!sourceConfirmed && needsSourceConfirmation(c)) {
            confirmSourceSet(frame, () -> decide(frame, c, prepared, proceed));
            return;
        }
        sourceConfirmed = false;
        RouteDecision d = avoid.isEmpty() ? services.routes().route(c, routing, prepared)
                : services.routes().route(c, routing, prepared, avoid);
        if (d instanceof RouteDecision.Wait wait) {
            causalWait(frame, wait, () -> decide(frame, c, prepared, proceed));
            return;
        }
        if (d instanceof RouteDecision.Refuse refusal) {
            if (refusal.kind() == io.sluice.routing.route.ErrorKind.NO_SOURCE
                    && holdForSource(frame, c, prepared, proceed)) {
                return;
            }
            sourceHoldDeadline = 0;
            if (retryLoss != null) {
                frame.release();
                retryFailed(refusal.message());
                return;
            }
            log.debug("conn {}: refused: {}", id, refusal.message());
            routing.onRefused();
            refuse(frame, refusalError(refusal));
            return;
        }
        RouteDecision.ToServer to = (RouteDecision.ToServer) d;
        if (sourceHoldDeadline != 0) {
            log.debug("conn {}: a source is back; the held statement goes to {}", id, to.server());
            sourceHoldDeadline = 0;
        }
        boolean unconfirmed = !to.requires().isEmpty()
                && !services.routes().gtids().visible(to.server()).contains(to.requires());
        if (!to.requires().isEmpty() && (fenceFailedOn != null || (unconfirmed && (frame.continues()
                || services.routes().causalWaitOf(routing).isZero())))) {
            // The replica did not confirm it had committed what this read must see, or the read spans several
            // packets and cannot be kept to run again if the wait fails, or the session waits for no replica (the
            // pipelined commit wait is a wait too, of a replica still applying the write): the source has it all.
            to = new RouteDecision.ToServer(services.routes().primary(), Reason.CAUSAL_FALLBACK_SOURCE, false);
            unconfirmed = false;
        }
        fenceFailedOn = null;
        if (log.isDebugEnabled()) {
            log.debug("conn {}: {} -> {} ({})", id, c.kind(), to.server(), to.reason());
        }
        if (unconfirmed) {
            // The server's binlog has them; whether its engine committed them, only the server can say.
            fence = to.requires();
        }
        runningLevel = services.routes().consistencyOf(c, routing);
        routing.onStatementSent(c, to);
        meter.routed(to.server(), to.reason());
        routed = true;
        runningClassification = c;
        to.endsTransactionOn().ifPresent(this::endReadOnlyTransaction);
        proceed.accept(to.server());
    }

    /**
     * After a failover, once per promotion: did this session's acknowledged writes survive? Those that did not are
     * reported to the client as an error on its next read ({@code failover.lost_write: error}), instead of data
     * that silently lacks them; either way the session is rebased on what survived. Writes go on meanwhile.
     *
     * @return true when the statement was answered with the error
     */
    private boolean lostWriteReported(Frame frame, Classification c) {
        Promotion p = services.routes().lastPromotion();
        if (p != null && p.epoch() != promotionSeen) {
            promotionSeen = p.epoch();
            GtidSet lost = routing.afterFailover(p.survived());
            if (!lost.isEmpty()) {
                log.warn("conn {}: the failover from {} to {} lost this session's acknowledged write(s) {}", id,
                        p.dead(), p.promoted(), lost);
                if (services.routes().lostWriteError()) {
                    lostWrite = ErrPacket.of(ErrorCode.LOST_WRITE, p.dead(), p.promoted(), lost);
                }
            }
        }
        if (lostWrite != null && c.route() == io.sluice.routing.classify.Route.READ) {
            ErrPacket err = lostWrite;
            lostWrite = null;
            routing.onRefused();
            refuse(frame, err);
            return true;
        }
        return false;
    }

    /**
     * A {@code global} read must see everything the source committed before it began; the router takes that from
     * the source's binlog stream, which is current but for its own delay. When the stream is not current (polled,
     * down, silent past two heartbeats), the source is asked instead, once, before routing.
     */
    private boolean needsSourceConfirmation(Classification c) {
        if (routing.inTransaction() || c.route() != io.sluice.routing.classify.Route.READ
                || services.routes().consistencyOf(c, routing) != Consistency.GLOBAL) {
            return false;
        }
        return !services.routes().gtids().current(services.routes().primary());
    }

    /** Reads the source's executed set on a connection to it; the session's reads must then see all of it. */
    private void confirmSourceSet(Frame frame, Runnable then) {
        phase(Phase.IN_FLIGHT);
        causalFrame = frame;   // released if the session closes meanwhile
        acquire(services.routes().primary(), link -> {
            String sql = link.connection.greeting().isMariaDb() ? "SELECT @@GLOBAL.gtid_binlog_pos"
                    : "SELECT @@GLOBAL.gtid_executed";
            internal(link, queryPacket(sql), Command.QUERY, outcome -> {
                if (phase == Phase.CLOSING) {
                    return;
                }
                causalFrame = null;
                if (outcome.failed() || outcome.firstValue() == null) {
                    log.debug("conn {}: cannot read the source's GTIDs for a global read: {}", id, outcome.error());
                } else {
                    try {
                        routing.readAfter(GtidSet.parse(outcome.firstValue().replace("\n", "")));
                    } catch (IllegalArgumentException e) {
                        log.warn("conn {}: unreadable GTID set from the source: {}", id, e.getMessage());
                    }
                }
                phase(Phase.COMMAND);
                sourceConfirmed = true;
                then.run();
                drainPending();
            });
        });
    }

    /**
     * Holds the statement until one of the replicas the router named has applied what it must see, or the wait's
     * timeout passes, whichever comes first; then routes it again. Later commands queue behind it as behind any
     * statement in flight. Nothing blocks: the tracker wakes the session on its event loop.
     */
    private void causalWait(Frame frame, RouteDecision.Wait wait, Runnable again) {
        phase(Phase.IN_FLIGHT);
        causalFrame = frame;
        long generation = ++causalWaits;
        long began = System.nanoTime();
        boolean[] reached = {false};
        Runnable over = () -> {
            // A wake-up of an earlier wait (its waiter had fired before it was cancelled) changes nothing.
            if (causalFrame == null || generation != causalWaits || phase == Phase.CLOSING) {
                return;
            }
            endCausalWait();
            meter.causalWait(reached[0], System.nanoTime() - began);
            phase(Phase.COMMAND);
            routing.onCausalWaitOver();
            again.run();
            drainPending();
        };
        causalTimer = channel.eventLoop().schedule(over, wait.timeout().toNanos(), TimeUnit.NANOSECONDS);
        causalWaiter = services.routes().gtids().await(wait.servers(), wait.required(), channel.eventLoop(),
                server -> {
                    reached[0] = true;
                    over.run();
                });
    }

    /**
     * There is no source; rather than refusing at once, holds the statement and routes it again every
     * {@link #SOURCE_HOLD_POLL_MILLIS} ms until a source appears (a failover published one) or
     * {@link Routes#sourceHold()} has passed since it was first refused. Later commands queue behind it.
     *
     * @return false when the statement must be refused now
     */
    private boolean holdForSource(Frame frame, Classification c, boolean prepared, Consumer<String> proceed) {
        java.time.Duration hold = services.routes().sourceHold();
        if (hold.isZero() || phase == Phase.CLOSING) {
            return false;
        }
        long now = System.nanoTime();
        if (sourceHoldDeadline == 0) {
            sourceHoldDeadline = now + hold.toNanos();
            log.debug("conn {}: no source; holding the statement for up to {} ms", id, hold.toMillis());
        } else if (now - sourceHoldDeadline >= 0) {
            log.info("conn {}: still no source after {} ms; refusing the statement", id, hold.toMillis());
            return false;
        }
        phase(Phase.IN_FLIGHT);
        causalFrame = frame;
        long generation = ++causalWaits;
        causalTimer = channel.eventLoop().schedule(() -> {
            if (causalFrame == null || generation != causalWaits || phase == Phase.CLOSING) {
                return;
            }
            causalTimer = null;
            causalFrame = null;
            phase(Phase.COMMAND);
            decide(frame, c, prepared, proceed);
            drainPending();
        }, SOURCE_HOLD_POLL_MILLIS, TimeUnit.MILLISECONDS);
        return true;
    }

    /** How often a statement held for want of a source is routed again. */
    private static final long SOURCE_HOLD_POLL_MILLIS = 50;

    /** Withdraws the wait's wake-ups; the held frame is the caller's again (or released when the session closes). */
    private void endCausalWait() {
        if (causalTimer != null) {
            causalTimer.cancel(false);
            causalTimer = null;
        }
        if (causalWaiter != null) {
            causalWaiter.cancel();
            causalWaiter = null;
        }
        if (causalFrame != null && phase == Phase.CLOSING) {
            causalFrame.release();
        }
        causalFrame = null;
    }

    private static ErrPacket refusalError(RouteDecision.Refuse refusal) {
        return switch (refusal.kind()) {
            case WRITE_IN_READ_ONLY_TRANSACTION, PIN_IN_REPLICA_TRANSACTION ->
                    ErrPacket.of(ErrorCode.READ_ONLY_TRANSACTION, refusal.message());
            case NO_SOURCE, NO_REPLICA, NO_CAUSAL_REPLICA, TRANSACTION_SERVER_LOST ->
                    ErrPacket.of(ErrorCode.BACKEND_UNAVAILABLE, refusal.message());
        };
    }

    /** A READ ONLY transaction on a replica that the next statement leaves: it wrote nothing, commit it there. */
    private void endReadOnlyTransaction(String server) {
        ServerLink link = links.get(server);
        if (link != null && link.connection.isActive() && link.internal == null) {
            internal(link, queryPacket("COMMIT"), Command.QUERY, outcome -> {
                if (outcome.failed()) {
                    log.debug("conn {}: COMMIT of the read-only transaction on {} failed: {}", id, link, outcome.error());
                }
            });
        }
    }

    /** Where commands that are not routed go: the transaction's server, else the source. */
    private String routeToPrimary() {
        return routing.transactionServer().orElseGet(() -> services.routes().primary());
    }

    /** Effects of a statement the server accepted. */
    private void afterStatement(Classification c) {
        boolean tracking = false;
        for (var s : c.statements()) {
            if (!s.session().isEmpty()) {
                state.apply(s.session());
                tracking |= setsTracking(s.session());
            }
        }
        if (current != null) {
            // The statement ran there: that connection now holds the new state without a replay.
            current.applied = state.snapshot();
            current.gtidTrackingLost |= tracking;
        }
        if (tracking) {
            refreshClientTracking();
        }
    }

    /** The session-tracking variables Sluice relies on to learn the GTID of each write. */
    private static boolean isTrackingVariable(String name) {
        return name.equals("session_track_system_variables") || name.equals("session_track_gtids");
    }

    private static boolean setsTracking(List<io.sluice.routing.classify.SessionEffect> effects) {
        for (var e : effects) {
            if (e instanceof io.sluice.routing.classify.SessionEffect.SetVariables v) {
                for (String name : v.names()) {
                    if (isTrackingVariable(name)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * What the client now asks session tracking for, from the values it set itself: its OK packets keep
     * {@code last_gtid} / the GTIDs entry only if it asked for them.
     */
    private void refreshClientTracking() {
        if (!clientCaps.sessionTrack()) {
            clientTracking = TrackedOk.ClientTracking.NONE;
            return;
        }
        Map<String, String> vars = state.snapshot().variables();
        String gtids = vars.get("session_track_gtids");
        boolean wantsGtids = gtids != null && !gtids.replace("'", "").replace("\"", "").trim().equalsIgnoreCase("OFF");
        clientTracking = new TrackedOk.ClientTracking(true,
                TrackedOk.tracksLastGtid(vars.get("session_track_system_variables")), wantsGtids);
    }

    private void afterReset() {
        state = new SessionState(null);
        if (clientCaps != null) {
            refreshClientTracking();
        }
        prepared.clear();
        routing.reset();
        if (current != null) {
            current.afterReset();
        }
    }

    /**
     * Runs a client command on {@code server}: opens the connection if the session has none there, replays the
     * session state it lacks, then forwards the command and relays the response. {@code rewrite} may adjust the
     * frame for that connection (statement ids); {@code onSuccess} runs when the response ends without error.
     */
    private void run(Frame frame, Command command, String server, Function<ServerLink, Frame> rewrite,
                     Runnable onSuccess) {
        if (server == null) {
            refuse(frame, ErrPacket.of(ErrorCode.BACKEND_UNAVAILABLE, "no server can take this statement"));
            return;
        }
        phase(Phase.IN_FLIGHT);
        waiting = frame;
        waitingCommand = command;
        waitingRewrite = rewrite;
        waitingSuccess = onSuccess;
        withLink(server, forward);
    }

    private void withLink(String server, Consumer<ServerLink> then) {
        acquire(server, then);
    }

    private void readyToForward(ServerLink link) {
        if (state.snapshot().needsResetFrom(link.applied)) {
            // The connection holds session state this session never set (another session's, from the pool).
            ByteBuf reset = Packets.build(ctx.alloc(), 0, b -> b.writeByte(Command.RESET_CONNECTION.code()));
            internal(link, reset, Command.RESET_CONNECTION, outcome -> {
                if (outcome.failed()) {
                    failPendingCommand(outcome.error());
                    return;
                }
                link.afterReset();
                readyToForward(link);
            });
            return;
        }
        SessionState.Replay replay = state.snapshot().replayFrom(link.applied);
        if (!replay.isEmpty()) {
            replayOn(link, replay, () -> readyToForward(link));
            return;
        }
        if (link.gtidTrackingLost && link.connection.tracksGtids()) {
            // The client's own session_track_* setting replaced Sluice's: add the GTID of commits back.
            internal(link, queryPacket(BackendConnection.gtidTrackingStatement(link.connection.greeting())),
                    Command.QUERY, outcome -> {
                        if (outcome.failed()) {
                            log.warn("conn {}: cannot restore GTID tracking on {}: {}", id, link, outcome.error());
                        }
                        link.gtidTrackingLost = false;
                        readyToForward(link);
                    });
            return;
        }
        Frame frame = waiting;
        if (retryable && retryCopy == null && !waiting.continues()) {
            // The client's bytes, shared rather than copied: a COM_QUERY is never rewritten, and all a
            // COM_STMT_EXECUTE rewrite changes in place is the statement id, which a retry writes again for its own
            // connection (a splice of parameter types builds a new buffer and leaves these bytes alone).
            retryCopy = new Frame(waiting.content().retainedDuplicate(), false);
        }
        if (fence != null && fencedCopy == null && !waiting.continues()) {
            // Copied before any rewrite (statement ids): a retry on the source starts from the client's bytes.
            fencedCopy = new Frame(waiting.content().copy(), false);
        }
        if (waitingRewrite != null) {
            frame = waitingRewrite.apply(link);
            if (frame == null) {
                return; // the rewrite started an internal exchange and will call back
            }
        }
        waiting = null;
        current = link;
        runningCommand = waitingCommand;
        clientStreaming = frame.continues();
        responseForwarded = false;
        startedOn = link.server;
        services.routes().started(link.server);
        Command command = waitingCommand;
        GtidSet fenceOn = fence;
        fence = null;
        if (fenceOn != null && fencedCopy != null) {
            link.internal = new InternalExchange(outcome -> afterFence(link, command, fenceOn, outcome));
            link.tracker.begin(Command.QUERY);
            link.connection.write(queryPacket(fenceStatement(link, fenceOn)));
        } else {
            releaseFencedCopy();
            link.tracker.begin(command);
        }
        link.connection.write(frame.content());
        if (!clientStreaming) {
            link.connection.flush();
        }
        if (!ResponseTracker.expectsResponse(command)) {
            // COM_STMT_CLOSE / SEND_LONG_DATA: done once sent.
            completeCommand(true);
        } else {
            drainPending();
        }
    }

    /**
     * The wait for a replica's engine to commit what the read must see: {@code MASTER_GTID_WAIT} on MariaDB,
     * {@code WAIT_FOR_EXECUTED_GTID_SET} on MySQL, both of which follow commits (not the binlog). Bounded by the
     * session's causal wait ({@code routing.causal_wait} or its own); at least 100 ms when the replica's binlog
     * stream already has the GTIDs, since the commit is then imminent.
     */
    private String fenceStatement(ServerLink link, GtidSet gtids) {
        long millis = services.routes().causalWaitOf(routing).toMillis();
        if (services.routes().gtids().executed(link.server).contains(gtids)) {
            millis = Math.max(millis, 100);
        }
        return io.sluice.proxy.gtid.CommitWait.statement(link.connection.greeting().isMariaDb(), gtids.toString(),
                java.time.Duration.ofMillis(millis));
    }

    /**
     * The fence's answer arrived, before the statement's: 0 means the replica has committed what the read must
     * see, and the statement's response is relayed. Anything else (a timeout, an error) means it may not have: the
     * response is swallowed, and the statement runs again on the source.
     */
    private void afterFence(ServerLink link, Command command, GtidSet waitedFor, InternalExchange.Outcome outcome) {
        link.tracker.begin(command);
        boolean confirmed = !outcome.failed() && "0".equals(outcome.firstValue());
        meter.fence(confirmed);
        if (confirmed) {
            services.routes().gtids().confirmed(link.server, waitedFor);   // later reads there need no wait for them
            releaseFencedCopy();
            return;
        }
        log.info("conn {}: {} did not confirm it committed what the read must see ({}); reading from the source",
                id, link, outcome.failed() ? outcome.error() : "wait returned " + outcome.firstValue());
        discardingResponse = true;
    }

    private void releaseFencedCopy() {
        if (fencedCopy != null) {
            fencedCopy.release();
            fencedCopy = null;
        }
    }

    /**
     * The statement in flight will not complete here (its answer was dropped, or its server lost): it no longer
     * counts as in flight there, its routing is undone, and what was to follow its success is dropped, so that it
     * can be routed again from the start.
     */
    private void abandonRunningStatement() {
        if (startedOn != null) {
            services.routes().finished(startedOn);
            startedOn = null;
        }
        if (routed) {
            routed = false;
            routing.onStatementFailed();
        }
        waitingSuccess = null;
        waitingRewrite = null;
        runningClassification = null;
        current = null;
    }

    /** The swallowed response of a fenced statement is complete: route the statement again, to the source. */
    private void retryAfterFence(ServerLink link) {
        discardingResponse = false;
        releaseRetryCopy();
        abandonRunningStatement();
        Frame again = fencedCopy;
        fencedCopy = null;
        fenceFailedOn = link.server;
        phase(Phase.COMMAND);
        releaseIdleLinks();
        try {
            dispatch(again);
        } catch (SequenceException e) {
            protocolError(ErrPacket.of(ErrorCode.PACKETS_OUT_OF_ORDER), e.getMessage());
        } catch (MalformedPacketException e) {
            protocolError(ErrPacket.of(ErrorCode.MALFORMED_PACKET), e.getMessage());
        }
        if (phase == Phase.COMMAND) {
            drainPending();
        }
    }

    /** Brings a connection's session state up to date with statements of Sluice's own. */
    private void replayOn(ServerLink link, SessionState.Replay replay, Runnable then) {
        SessionState.Snapshot target = state.snapshot();
        List<ByteBuf> commands = new ArrayList<>();
        if (replay.database() != null) {
            commands.add(Packets.build(ctx.alloc(), 0, b -> {
                b.writeByte(Command.INIT_DB.code());
                b.writeCharSequence(replay.database(), StandardCharsets.UTF_8);
            }));
        }
        for (String sql : replay.statements()) {
            commands.add(queryPacket(sql));
        }
        for (String name : target.variables().keySet()) {
            if (isTrackingVariable(name) && !target.variables().get(name).equals(link.applied.variables().get(name))) {
                link.gtidTrackingLost = true;
            }
        }
        runInternal(link, commands, 0, () -> {
            link.applied = target;
            then.run();
        });
    }

    private void runInternal(ServerLink link, List<ByteBuf> commands, int index, Runnable then) {
        if (index == commands.size()) {
            then.run();
            return;
        }
        ByteBuf command = commands.get(index);
        Command type = Command.of(command.getUnsignedByte(Frame.HEADER_SIZE));
        internal(link, command, type, outcome -> {
            if (outcome.failed()) {
                for (int i = index + 1; i < commands.size(); i++) {
                    commands.get(i).release();
                }
                failPendingCommand(outcome.error());
                return;
            }
            runInternal(link, commands, index + 1, then);
        });
    }

    private void internal(ServerLink link, ByteBuf command, Command type, Consumer<InternalExchange.Outcome> then) {
        link.internal = new InternalExchange(then);
        link.tracker.begin(type);
        link.connection.writeAndFlush(command);
    }

    private ByteBuf queryPacket(String sql) {
        return Packets.build(ctx.alloc(), 0, b -> {
            b.writeByte(Command.QUERY.code());
            b.writeCharSequence(sql, StandardCharsets.UTF_8);
        });
    }

    /** The command waiting for a connection cannot run: the client gets {@code err}, the session goes on. */
    private void failPendingCommand(ErrPacket err) {
        if (retryLoss != null) {
            // The read sent again could not start on the server chosen for it: it ends as the loss would have.
            if (causalFrame != null) {
                causalFrame.release();
                causalFrame = null;
            }
            if (waiting != null) {
                waiting.release();
                waiting = null;
            }
            retryFailed(err.message());
            return;
        }
        fence = null;
        sourceConfirmed = false;
        releaseRetryCopy();
        retryable = false;
        if (causalFrame != null) {
            // A global read's confirmation could not reach the source: the read fails as its own command would.
            discardingCommand = causalFrame.continues();
            causalFrame.release();
            causalFrame = null;
        }
        releaseFencedCopy();
        meter.commandEnded(err.code());
        if (routed) {
            routed = false;
            routing.onStatementFailed();
        }
        waitingSuccess = null;
        waitingRewrite = null;
        if (waiting != null) {
            discardingCommand = waiting.continues();
            waiting.release();
            waiting = null;
        }
        current = null;
        send(Packets.build(ctx.alloc(), 1, err::encode));
        phase(Phase.COMMAND);
        releaseIdleLinks();
        drainPending();
    }

    // ------------------------------------------------------------------ prepared statements

    private void prepare(Frame frame) {
        ByteBuf p = frame.payload();
        // Interned: every session's statement of this text then shares one key on the pooled connections'
        // statement maps, and each execute's lookup there ends at an identity check instead of comparing the text.
        // The JVM's string table lets go of a text no statement references any more.
        String sql = p.toString(p.readerIndex() + 1, p.readableBytes() - 1, StandardCharsets.UTF_8).intern();
        preparingSql = sql;
        // Prepared on the source: every statement can be prepared there; executions go where they route.
        run(frame, Command.STMT_PREPARE, routeToPrimary(), null, null);
    }

    /**
     * The first packet of a COM_STMT_PREPARE response, on its way to the client: the server's statement id is
     * replaced by Sluice's own, under which the client will execute it anywhere.
     */
    private void onPrepareOk(ServerLink link, Frame frame) {
        ByteBuf p = frame.payload();
        StmtPrepareOk ok = StmtPrepareOk.decode(p.duplicate());
        long clientId = nextStatementId++;
        Classification c = services.inspector().classify(preparingSql);
        prepared.put(clientId, new Prepared(clientId, preparingSql, ok.params(), ok.columns(), c));
        lastPreparedId = clientId;
        ServerLink.Statement previous = link.statements.put(preparingSql, new ServerLink.Statement(ok.statementId()));
        if (previous != null && previous.id != ok.statementId()) {
            // The client prepared the same text again: the connection keeps one statement for it.
            closeOnServer(link, previous.id);
        }
        p.setIntLE(p.readerIndex() + 1, (int) clientId);
    }

    private void statementCommand(Frame frame, Command command) {
        ByteBuf p = frame.payload();
        if (p.readableBytes() < 5) {
            refuse(frame, ErrPacket.of(ErrorCode.MALFORMED_PACKET));
            return;
        }
        long id = p.getUnsignedIntLE(p.readerIndex() + 1);
        if (id == 0xFFFFFFFFL) {
            id = lastPreparedId; // MariaDB: -1 names the statement prepared last (pipelined prepare + execute)
        }
        Prepared stmt = prepared.get(id);
        if (stmt == null) {
            if (command == Command.STMT_CLOSE || command == Command.STMT_SEND_LONG_DATA) {
                frame.release(); // no response is expected, as the server sends none for an unknown id
                return;
            }
            refuse(frame, new ErrPacket(1243, "HY000", "Unknown prepared statement handler (" + id
                    + ") given to " + command.name().toLowerCase(java.util.Locale.ROOT)));
            return;
        }
        switch (command) {
            case STMT_CLOSE -> {
                frame.release();
                closeStatement(stmt);
            }
            case STMT_FETCH, STMT_RESET -> {
                ServerLink bound = stmt.boundLink;
                String server = bound != null ? bound.server : routeToPrimary();
                Runnable after = command == Command.STMT_RESET ? () -> stmt.boundLink = null : null;
                run(frame, command, server, link -> rewriteStatementId(link, stmt, frame), after);
            }
            case STMT_SEND_LONG_DATA -> {
                String server = stmt.boundLink != null ? stmt.boundLink.server : peekRoute(stmt.classification);
                if (server == null) {
                    frame.release(); // no response to send: the execute that follows gets the refusal
                    return;
                }
                run(frame, command, server, link -> {
                    Frame f = rewriteStatementId(link, stmt, frame);
                    if (f != null) {
                        bind(stmt, link);
                    }
                    return f;
                }, null);
            }
            case STMT_EXECUTE -> {
                String server;
                if (stmt.boundLink != null) {
                    server = stmt.boundLink.server;
                    routing.onStatementSent(stmt.classification,
                            new RouteDecision.ToServer(server, Reason.PREVIOUS_STATEMENT, false));
                    routed = true;
                    execute(frame, command, stmt, server);
                } else {
                    // Not when bound: a cursor open on that connection cannot be moved.
                    boolean repeatable = !frame.continues() && ReadRetry.safeToRepeat(stmt.classification, routing);
                    decide(frame, stmt.classification, true, target -> {
                        if (repeatable) {
                            repeatableAs(stmt.classification, true, (again, to) -> execute(again, command, stmt, to));
                        }
                        execute(frame, command, stmt, target);
                    });
                }
            }
            default -> throw new IllegalStateException(command.name());
        }
    }

    private void execute(Frame frame, Command command, Prepared stmt, String server) {
        run(frame, command, server, link -> rewriteExecute(link, stmt, frame), () -> {
            // An open cursor keeps the statement on this connection until it is reset or closed.
            bind(stmt, ServerStatus.has(current.tracker.lastStatus(), ServerStatus.CURSOR_EXISTS) ? current : null);
            afterStatement(stmt.classification);
        });
    }

    /** Where a statement would go now, without recording it (COM_STMT_SEND_LONG_DATA has no response). */
    private String peekRoute(Classification c) {
        RouteDecision d = services.routes().route(c, routing, true);
        return d instanceof RouteDecision.ToServer to ? to.server() : null;
    }

    /**
     * Gives the frame the server's id for the statement on this connection, preparing it there first when it
     * never was (the frame is then sent when the prepare completes: returns null meanwhile).
     */
    private Frame rewriteStatementId(ServerLink link, Prepared stmt, Frame frame) {
        return statementOn(link, stmt, frame) == null ? null : frame;
    }

    /**
     * The statement as prepared on {@code link}, the frame's id rewritten to the server's; null when the
     * statement must first be prepared there (started: the frame is sent when it is).
     */
    private ServerLink.Statement statementOn(ServerLink link, Prepared stmt, Frame frame) {
        ServerLink.Statement s = link.statements.get(stmt.sql);
        if (s == null) {
            prepareOn(link, stmt);
            return null;
        }
        ByteBuf p = frame.payload();
        p.setIntLE(p.readerIndex() + 1, (int) s.id);
        return s;
    }

    private void prepareOn(ServerLink link, Prepared stmt) {
        ByteBuf cmd = Packets.build(ctx.alloc(), 0, b -> {
            b.writeByte(Command.STMT_PREPARE.code());
            b.writeCharSequence(stmt.sql, StandardCharsets.UTF_8);
        });
        internal(link, cmd, Command.STMT_PREPARE, outcome -> {
            if (outcome.failed()) {
                failPendingCommand(outcome.error());
                return;
            }
            link.statements.put(stmt.sql, new ServerLink.Statement(outcome.prepared().statementId()));
            readyToForward(link);
        });
    }

    /**
     * COM_STMT_EXECUTE: statement id, and parameter types. The client sends types only when they change
     * ("new params bound" = 1); a connection that never saw them for this statement must get them, so the last
     * types are kept and spliced in when needed.
     */
    private Frame rewriteExecute(ServerLink link, Prepared stmt, Frame frame) {
        ServerLink.Statement on = statementOn(link, stmt, frame);
        if (on == null) {
            return null;
        }
        if (stmt.params == 0) {
            return frame;
        }
        ByteBuf p = frame.payload();
        int bitmap = (stmt.params + 7) / 8;
        int flagAt = p.readerIndex() + 1 + 4 + 1 + 4 + bitmap;
        if (flagAt >= p.writerIndex()) {
            return frame; // malformed: the server will answer it
        }
        if (p.getByte(flagAt) == 1) {
            int typesLength = stmt.params * 2;
            if (flagAt + 1 + typesLength <= p.writerIndex()) {
                stmt.paramTypes = new byte[typesLength];
                p.getBytes(flagAt + 1, stmt.paramTypes);
                on.typesSent = stmt.paramTypes;
            }
            return frame;
        }
        // The server uses the types it last received for this statement, maybe from another session sharing the
        // connection: send this session's own when they differ.
        if (stmt.paramTypes == null || java.util.Arrays.equals(on.typesSent, stmt.paramTypes)
                || frame.continues()) {
            return frame;
        }
        ByteBuf out = ctx.alloc().buffer(frame.content().readableBytes() + stmt.paramTypes.length);
        int before = flagAt - p.readerIndex();
        int payloadLength = p.readableBytes() + stmt.paramTypes.length;
        out.writeMediumLE(payloadLength).writeByte(frame.sequenceId());
        out.writeBytes(p, p.readerIndex(), before);
        out.writeByte(1);
        out.writeBytes(stmt.paramTypes);
        out.writeBytes(p, flagAt + 1, p.writerIndex() - flagAt - 1);
        frame.release();
        on.typesSent = stmt.paramTypes;
        return new Frame(out, false);
    }

    /**
     * A client closing a statement: the connections keep theirs, prepared by text for every session of the user
     * (a statement cache, bounded per connection by {@link ServerLink#MAX_CACHED_STATEMENTS}).
     */
    private void closeStatement(Prepared stmt) {
        prepared.remove(stmt.clientId);
    }

    private void closeOnServer(ServerLink link, long backendId) {
        link.connection.write(Packets.build(ctx.alloc(), 0, b -> {
            b.writeByte(Command.STMT_CLOSE.code());
            b.writeIntLE((int) backendId);
        }));
    }

    /** Answers a command Sluice will not relay with an ERR, keeping the session. */
    private void refuse(Frame frame, ErrPacket err) {
        meter.commandEnded(err.code());
        discardingCommand = frame.continues();
        frame.release();
        send(Packets.build(ctx.alloc(), 1, err::encode));
    }

    /**
     * {@code KILL [QUERY] <id>} names a Sluice connection id; the backend knows only its own thread ids. The KILL
     * is rewritten to the backend thread now serving the target session, and sent through this session's own
     * connection to that server, so the server applies its own rule (same user, or CONNECTION ADMIN / SUPER).
     */
    private void kill(StatementInspector.Kill kill) {
        FrontendSession target = services.registry().get(kill.connectionId());
        if (target == null) {
            send(Packets.build(ctx.alloc(), 1,
                    ErrPacket.of(ErrorCode.NO_SUCH_THREAD, kill.connectionId())::encode));
            return;
        }
        ServerLink targetLink = target.killableLink();
        if (targetLink == null) {
            // The target holds no backend connection (idle, multiplexed): nothing runs to interrupt; a KILL
            // CONNECTION closes it here, for its own user only (Sluice cannot ask a server about privileges
            // without a connection to kill on).
            if (!java.util.Objects.equals(target.user(), user)) {
                send(Packets.build(ctx.alloc(), 1,
                        ErrPacket.of(ErrorCode.KILL_DENIED, kill.connectionId())::encode));
                return;
            }
            if (!kill.queryOnly()) {
                target.closeFromAnyThread();
            }
            OkPacket ok = OkPacket.of(0, 0, routing.autocommit() ? ServerStatus.AUTOCOMMIT : 0, 0);
            send(Packets.build(ctx.alloc(), 1, b -> ok.encode(b, clientCaps)));
            return;
        }
        if (target == this && !kill.queryOnly()) {
            awaitingOwnKill = true;
        }
        String sql = (kill.queryOnly() ? "KILL QUERY " : "KILL CONNECTION ") + targetLink.threadId();
        log.info("conn {}: {} on {} (Sluice connection {})", id, sql, targetLink.server, kill.connectionId());
        run(new Frame(queryPacket(sql), false), Command.QUERY, targetLink.server, null, null);
    }

    /**
     * The connection a KILL of this session should reach: the one running its statement, else one it holds.
     * Read from another session's thread: a racy read of fields that only ever point at a live link or null,
     * which is all KILL needs.
     */
    ServerLink killableLink() {
        ServerLink c = current;
        if (c != null) {
            return c;
        }
        ServerLink s = sticky;
        if (s != null) {
            return s;
        }
        return links.first();
    }

    /** The backend thread serving this session now, or -1. Safe to call from any thread (a racy read is fine). */
    public long backendThreadId() {
        ServerLink l = killableLink();
        return l == null ? -1 : l.threadId();
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
            changeLogin(new BackendLogin(newUser, null, null, db == null || db.isEmpty() ? null : db,
                    login.capabilities(), charset, login.attributes()));
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
        while (!pending.isEmpty() && (phase == Phase.COMMAND || clientStreaming || discardingCommand
                || (phase == Phase.IN_FLIGHT && current != null && current.tracker.awaitingClientInfile()))) {
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
        if (waiting != null) {
            waiting.release();
            waiting = null;
        }
    }

    /** Pending bytes queued for the client (for tests of back-pressure). */
    public long pendingClientBytes() {
        io.netty.channel.ChannelOutboundBuffer b = channel.unsafe().outboundBuffer();
        return b == null ? 0 : b.totalPendingWriteBytes();
    }

    /** Whether Sluice is reading from the backend that serves the statement in flight (for back-pressure tests). */
    public boolean readingFromBackend() {
        ServerLink l = current != null ? current : links.get(services.routes().primary());
        return l != null && l.connection.channel().config().isAutoRead();
    }

    // ------------------------------------------------------------------ inbound from the backend

    @Override
    public void onBackendFrame(BackendConnection conn, Frame frame) {
        ServerLink link = linkOf(conn);
        if (link == null) {
            frame.release();
            return;
        }
        if (link.internal != null) {
            onInternalFrame(link, frame);
            return;
        }
        if (link != current || phase != Phase.IN_FLIGHT || waiting != null) {
            log.debug("conn {}: dropping unsolicited {} from {}", id, frame, link);
            frame.release();
            return;
        }
        if (discardingResponse) {
            boolean over;
            try {
                over = link.tracker.onFrame(frame);
            } catch (RuntimeException e) {
                frame.release();
                backendLost(link, "protocol error from backend: " + e.getMessage());
                return;
            }
            frame.release();
            if (over) {
                retryAfterFence(link);
            }
            return;
        }
        boolean first = link.tracker.state() == ResponseTracker.State.PREPARE_HEADER;
        boolean done;
        ByteBuf out = frame.content();
        try {
            done = link.tracker.onFrame(frame);
            if (first && runningCommand == Command.STMT_PREPARE && frame.firstByte() == 0x00) {
                onPrepareOk(link, frame);
            } else if (link.tracker.okWithTrailer() && !frame.continues()) {
                out = trackedOk(frame);
            }
        } catch (RuntimeException e) {
            frame.release();
            log.warn("conn {}: cannot follow the response from {}: {}", id, link, e.getMessage());
            backendLost(link, "protocol error from backend: " + e.getMessage());
            return;
        }
        responseForwarded = true;
        relay(out);
        if (done) {
            pushRelayed();
            completeCommand(!link.tracker.failed());
        }
    }

    /**
     * The relay's usual path: the frames of a response that arrived in one read, followed in place by the tracker
     * and passed on in as few writes as possible, with no object per frame. Only frames Sluice must rewrite (a
     * COM_STMT_PREPARE OK, an OK with session-state changes) are cut out and handled one by one; whatever is not
     * a plain response in flight (Sluice's own exchanges, a discarded response, unsolicited packets, the frames
     * after a response's end) goes the frame-by-frame way of {@link #onBackendFrame}.
     */
    @Override
    public void onBackendFrames(BackendConnection conn, FrameRun run) {
        ServerLink link = linkOf(conn);
        ByteBuf buf = run.content();
        if (link == null || link.internal != null || link != current || phase != Phase.IN_FLIGHT
                || waiting != null || discardingResponse) {
            try {
                relayFrames(conn, buf, buf.readerIndex(), run.startsMidPacket());
            } finally {
                run.release();
            }
            return;
        }
        ResponseTracker tracker = link.tracker;
        int end = buf.writerIndex();
        int pos = buf.readerIndex();
        int from = pos;
        boolean mid = run.startsMidPacket();
        try {
            while (pos < end) {
                int length = FrameRun.payloadLength(buf, pos);
                int next = pos + Frame.HEADER_SIZE + length;
                boolean prepareHeader = tracker.state() == ResponseTracker.State.PREPARE_HEADER;
                boolean done;
                try {
                    done = tracker.onFrame(buf, pos);
                    boolean prepareOk = prepareHeader && runningCommand == Command.STMT_PREPARE && !mid
                            && length > 0 && buf.getUnsignedByte(pos + Frame.HEADER_SIZE) == 0x00;
                    if (prepareOk || (tracker.okWithTrailer() && length != Frame.MAX_PAYLOAD)) {
                        relay(buf, from, pos);
                        from = pos;
                        Frame frame = new Frame(buf.retainedSlice(pos, next - pos), mid);
                        ByteBuf out;
                        try {
                            if (prepareOk) {
                                onPrepareOk(link, frame);
                                out = frame.content();
                            } else {
                                out = trackedOk(frame);
                            }
                        } catch (RuntimeException e) {
                            frame.release();
                            throw e;
                        }
                        relay(out);
                        from = next;
                    }
                } catch (RuntimeException e) {
                    relay(buf, from, pos);
                    log.warn("conn {}: cannot follow the response from {}: {}", id, link, e.getMessage());
                    backendLost(link, "protocol error from backend: " + e.getMessage());
                    return;
                }
                mid = length == Frame.MAX_PAYLOAD;
                pos = next;
                if (done) {
                    relayEnd(buf, from, pos);
                    pushRelayed();
                    completeCommand(!tracker.failed());
                    if (pos < end) {
                        relayFrames(conn, buf, pos, mid);
                    }
                    return;
                }
            }
            relay(buf, from, end);
        } finally {
            run.release();
        }
    }

    /** Hands the frames of a run from {@code offset} on to {@link #onBackendFrame}, one by one. */
    private void relayFrames(BackendConnection conn, ByteBuf buf, int offset, boolean midPacket) {
        FrameRun.split(buf, offset, midPacket, f -> onBackendFrame(conn, f));
    }

    /**
     * An OK packet with more than its fixed fields: notes the GTID of a commit, and returns what the client gets
     * (the frame itself, or a rewrite without the tracking only Sluice asked for, the frame then released).
     */
    private ByteBuf trackedOk(Frame frame) {
        TrackedOk.Outcome o = TrackedOk.inspect(frame.payload(), ctx.alloc(), clientTracking);
        if (o.gtid() != null) {
            try {
                routing.onWrite(GtidSet.parse(o.gtid()));
            } catch (IllegalArgumentException e) {
                log.warn("conn {}: ignoring the unreadable GTID '{}' of a commit: {}", id, o.gtid(), e.getMessage());
            }
        }
        if (o.clientPayload() == null) {
            return frame.content();
        }
        int seq = frame.sequenceId();
        frame.release();
        return Packets.frame(ctx.alloc(), seq, o.clientPayload());
    }

    private void onInternalFrame(ServerLink link, Frame frame) {
        InternalExchange ex = link.internal;
        boolean done;
        try {
            if (!ex.sawFirstPacket) {
                ex.sawFirstPacket = true;
                int first = frame.firstByte();
                if (first == ErrPacket.HEADER) {
                    ex.error = ErrPacket.decode(frame.payload().duplicate());
                } else if (first == 0x00 && link.tracker.state() == ResponseTracker.State.PREPARE_HEADER) {
                    ex.prepared = StmtPrepareOk.decode(frame.payload().duplicate());
                }
            } else if (!ex.sawRow && link.tracker.state() == ResponseTracker.State.ROWS && !frame.isContinuation()
                    && frame.firstByte() != ErrPacket.HEADER && frame.firstByte() != 0xFE) {
                ex.sawRow = true;
                ByteBuf row = frame.payload().duplicate();
                ex.firstValue = frame.firstByte() == Wire.NULL_MARKER ? null : Wire.readLenencString(row, "value");
            }
            done = link.tracker.onFrame(frame);
        } catch (RuntimeException e) {
            log.warn("conn {}: cannot follow {}'s answer to Sluice's own command: {}", id, link, e.getMessage());
            backendLost(link, "protocol error from backend: " + e.getMessage());
            return;
        } finally {
            frame.release();
        }
        if (done) {
            link.internal = null;
            ex.then.accept(new InternalExchange.Outcome(ex.error, ex.prepared, ex.firstValue));
        }
    }

    /**
     * The command in flight has its whole answer (or needed none): settles its bookkeeping, then lets the client see
     * the answer's end, then starts any command the client pipelined behind it.
     */
    private void completeCommand(boolean success) {
        try {
            settleCommand(success);
        } finally {
            // Only now may the client see the answer's end: once the metrics, the backend's in-flight count, the
            // pool and the session's GTIDs all count the command, whatever the client does next (a scrape, an admin
            // query) finds it done. In a finally: should the bookkeeping fail, the answer still reaches the client
            // rather than waiting unflushed for a later write.
            channel.flush();
        }
        drainPending();
    }

    private void settleCommand(boolean success) {
        meter.commandEnded(success || current == null ? 0 : current.tracker.errorCode());
        if (retries > 0) {
            meter.readRetry(success);
            log.info("conn {}: the read sent again to {} {}", id, current == null ? "?" : current,
                    success || current == null ? "succeeded" : "failed with error " + current.tracker.errorCode());
            retries = 0;
        }
        retryLoss = null;
        retryable = false;
        releaseRetryCopy();
        if (startedOn != null) {
            services.routes().finished(startedOn);
            startedOn = null;
        }
        if (routed) {
            routed = false;
            if (success) {
                if (runningLevel != Consistency.EVENTUAL && current != null) {
                    // What the statement saw there, at the latest: later reads must not see less.
                    routing.onRead(services.routes().gtids().executed(current.server));
                }
                routing.onStatementDone(current.tracker.lastStatus());
            } else {
                routing.onStatementFailed();
            }
        }
        Runnable after = waitingSuccess;
        waitingSuccess = null;
        waitingRewrite = null;
        if (success && after != null) {
            after.run();
        }
        preparingSql = null;
        ServerLink ran = current;
        Classification ranWhat = runningClassification;
        runningClassification = null;
        if (!clientStreaming) {
            current = null;
        }
        // What the statement left on its connection that the next one may ask about (warnings, the last insert
        // id, anything the classifier marks as depending on the session or the previous statement) keeps that
        // connection with the session until its next statement.
        sticky = ran != null && (ran.tracker.warnings() > 0 || ran.tracker.lastInsertId() != 0
                || (ranWhat != null && dependsOnConnection(ranWhat))) ? ran : null;
        phase(Phase.COMMAND);
        releaseIdleLinks();
    }

    private static boolean dependsOnConnection(Classification c) {
        for (var st : c.statements()) {
            if (st.has(StatementFlag.SESSION_DEPENDENT) || st.has(StatementFlag.PREVIOUS_STATEMENT_DEPENDENT)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Gives back to the pool every connection the session holds no state on: not in its transaction, not
     * carrying its pins (on the source), no open cursor or pending long data, not the sticky one.
     */
    private void releaseIdleLinks() {
        if (links.isEmpty() || phase != Phase.COMMAND) {
            return;
        }
        if (links.size() == 1) {
            releaseIfIdle(links.get(0)); // the common case, once per statement: no copy
            return;
        }
        for (ServerLink l : links.toArray()) {
            releaseIfIdle(l);
        }
    }

    private void releaseIfIdle(ServerLink l) {
        if (holdsLink(l)) {
            return;
        }
        links.remove(l.server);
        if (l.statements.size() > ServerLink.MAX_CACHED_STATEMENTS) {
            l.connection.listener(null);
            l.connection.close(); // a fresh connection beats an unbounded statement cache
        } else {
            pool().giveBack(l);
        }
    }

    private boolean holdsLink(ServerLink l) {
        if (l == current || l == sticky || l.internal != null) {
            return true;
        }
        if (routing.inTransaction() && routing.transactionServer().map(l.server::equals).orElse(true)) {
            return true;
        }
        if (routing.pinned() && l.server.equals(services.routes().primary())) {
            return true;
        }
        return holdsBoundStatement(l);
    }

    private ServerLink linkOf(BackendConnection conn) {
        for (int i = 0; i < links.size(); i++) {
            ServerLink l = links.get(i);
            if (l.connection == conn) {
                return l;
            }
        }
        return null;
    }

    @Override
    public void onBackendReadComplete(BackendConnection conn) {
        if (current != null && current.connection == conn) {
            pushRelayed();
            channel.flush();
        }
    }

    @Override
    public void onBackendClosed(BackendConnection conn, Throwable cause) {
        ServerLink link = linkOf(conn);
        if (link == null || phase == Phase.CLOSING) {
            return;
        }
        String reason = cause == null ? "backend closed the connection" : cause.toString();
        if (awaitingOwnKill) {
            log.info("conn {}: killed by its own KILL CONNECTION", id);
            close();
            return;
        }
        backendLost(link, reason);
    }

    /**
     * A backend connection went away (or broke the protocol). A statement in flight on it gets ERR 2013 in the
     * sequence the client is at, and the session closes; so does a session that held state only that server
     * had (a transaction, or anything pinning it). An idle connection the session can do without is dropped and
     * reopened when next needed, with the session state replayed.
     */
    private void backendLost(ServerLink link, String reason) {
        log.warn("conn {}: lost {} ({}) in phase {}", id, link, reason, phase);
        meter.backendError(link.server);
        boolean ranHere = link == current;
        dropLink(link);
        if (phase == Phase.IN_FLIGHT && ranHere && retryCopy != null && !responseForwarded && !discardingCommand
                && retries < MAX_READ_RETRIES) {
            retryIfServerDown(link, reason);
            return;
        }
        if (phase == Phase.IN_FLIGHT && (ranHere || link.internal != null || current == null)) {
            failInFlight(link, ranHere, link.server + ": " + reason);
        } else if (holdsState(link.server) || link.server.equals(services.routes().primary())) {
            // The connection to the source carries what the session is (and is what a KILL of the session
            // reaches): losing it ends the session, as the server ending a connection ends it for a client.
            // A replica's connection is only a reading path: it is reopened when next needed.
            close();
        }
    }

    /** The statement in flight ends with ERR 2013 saying {@code why}, and the session closes. */
    private void failInFlight(ServerLink link, boolean ranHere, String why) {
        if (retries > 0) {
            meter.readRetry(false);
            retries = 0;
        }
        releaseRetryCopy();
        int seq = ranHere ? link.tracker.nextSequenceId() : 1;
        phase(Phase.CLOSING);
        writeErrAndClose(seq, ErrPacket.of(ErrorCode.BACKEND_LOST, why));
    }

    /**
     * A connection running a read closed before any of the answer reached the client: whether its server died, or
     * ended that one connection itself. A server that is up greets a new connection at once; then it was an
     * operator's {@code KILL} (which MariaDB carries out by closing the connection, sending no error packet that
     * would tell it from a crash) or one of the server's own timeouts, and running the read again elsewhere would undo
     * the kill: the client gets ERR 2013, as it would connected to the server directly. A server that refuses,
     * closes first or stays silent for {@link #DEATH_PROBE_MILLIS} is taken for dead and the read moves
     * ({@link #retryElsewhere}). The session stays in flight meanwhile; its client's next commands wait as they
     * would for the answer.
     */
    private void retryIfServerDown(ServerLink link, String reason) {
        BackendEndpoint endpoint;
        try {
            endpoint = services.routes().endpoint(link.server);
        } catch (RuntimeException removed) {
            retryElsewhere(link, reason); // removed by a reload meanwhile: it takes no more statements either way
            return;
        }
        int bound = (int) Math.min(DEATH_PROBE_MILLIS, services.connectTimeout().toMillis());
        probedLoss = link;
        BackendProbe.answers(channel.eventLoop(), services.backendChannelType(), endpoint, bound)
                .thenAccept(up -> channel.eventLoop().execute(() -> {
                    if (probedLoss != link || phase != Phase.IN_FLIGHT || retryCopy == null) {
                        return; // the client went away (or the session was closed) while the server was asked
                    }
                    probedLoss = null;
                    if (up) {
                        log.info("conn {}: lost {} ({}), but {} is up and greets new connections: it ended this one"
                                + " itself (a KILL, or one of its timeouts); the read is not run again", id, link,
                                reason, link.server);
                        failInFlight(link, true, link.server + ": " + reason + "; the server is up, so it ended"
                                + " the connection itself (a KILL, or one of its timeouts), and the read is not run"
                                + " again");
                    } else {
                        retryElsewhere(link, reason);
                    }
                }));
    }

    /**
     * The server running a read died before any of its answer reached the client, and the read is safe to repeat
     * ({@link ReadRetry}): routes it again as if that server were down (the monitor has not noticed yet), with the
     * session's consistency needs as they were, so the new server is one the read could have gone to in the first
     * place; the session state is replayed there as on any server the session moves to. If no server qualifies, or
     * the new one cannot be reached, the client gets the lost-connection error it would have got without the retry.
     */
    private void retryElsewhere(ServerLink link, String reason) {
        Frame again = retryCopy;
        retryCopy = null;
        Classification c = retryClassification;
        boolean prepared = retryPrepared;
        java.util.function.BiConsumer<Frame, String> rerun = retryRun;
        retries++;
        avoid.add(link.server);
        retryLoss = "lost " + link.server + ": " + reason;
        log.info("conn {}: lost {} ({}) before any of the answer reached the client; sending the read elsewhere"
                + " (retry {} of {})", id, link, reason, retries, MAX_READ_RETRIES);
        abandonRunningStatement();
        fence = null;
        releaseFencedCopy();
        discardingResponse = false;
        clientStreaming = false;
        phase(Phase.COMMAND);
        decide(again, c, prepared, server -> {
            repeatableAs(c, prepared, rerun);
            rerun.accept(again, server);
        });
        if (phase == Phase.COMMAND) {
            drainPending();
        }
    }

    /** A lost read could not run anywhere else: the client gets the lost-connection error, and the session ends. */
    private void retryFailed(String why) {
        meter.readRetry(false);
        ErrPacket err = ErrPacket.of(ErrorCode.BACKEND_LOST, retryLoss + "; the read could not run elsewhere: " + why);
        log.info("conn {}: the read could not run elsewhere: {}", id, why);
        retries = 0;
        retryLoss = null;
        retryable = false;
        releaseRetryCopy();
        fence = null;
        sourceConfirmed = false;
        releaseFencedCopy();
        waitingSuccess = null;
        waitingRewrite = null;
        if (routed) {
            routed = false;
            routing.onStatementFailed();
        }
        if (startedOn != null) {
            services.routes().finished(startedOn);
            startedOn = null;
        }
        current = null;
        if (phase != Phase.CLOSING) {
            enter(Phase.CLOSING);
        }
        writeErrAndClose(1, err);
    }

    /** The statement being sent may run again elsewhere if its server dies before answering; {@code rerun} does it. */
    private void repeatableAs(Classification c, boolean prepared, java.util.function.BiConsumer<Frame, String> rerun) {
        retryable = true;
        retryClassification = c;
        retryPrepared = prepared;
        retryRun = rerun;
    }

    private void releaseRetryCopy() {
        if (retryCopy != null) {
            retryCopy.release();
            retryCopy = null;
        }
    }

    /** Whether the session holds state on that server that a new connection could not restore. */
    private boolean holdsState(String server) {
        if (routing.inTransaction() && routing.transactionServer().map(server::equals).orElse(true)) {
            return true;
        }
        return routing.pinned() && server.equals(services.routes().primary());
    }

    private void dropLink(ServerLink link) {
        links.remove(link.server);
        link.connection.listener(null);
        link.connection.close();
        for (Prepared p : prepared.values()) {
            if (p.boundLink == link) {
                p.boundLink = null;
            }
        }
        if (current == link) {
            current = null;
        }
        if (sticky == link) {
            sticky = null;
        }
    }

    /**
     * The session ends or starts over (COM_CHANGE_USER): connections it holds no state on go back to the pool,
     * the others (an open transaction, pins, a statement in flight) are closed, which is how the server learns to
     * roll back and release.
     */
    private void closeAllLinks() {
        for (ServerLink l : links.toArray()) {
            boolean clean = phase != Phase.IN_FLIGHT && l.internal == null && l != current
                    && !(routing.inTransaction() || routing.pinned());
            if (clean && l.connection.isActive() && !holdsBoundStatement(l)) {
                links.remove(l.server);
                pool().giveBack(l);
            } else {
                dropLink(l);
            }
        }
        sticky = null;
    }

    /** Whether a prepared statement is bound to {@code l} (an open cursor, long data sent). */
    private boolean holdsBoundStatement(ServerLink l) {
        if (!statementsMayBeBound) {
            return false;
        }
        boolean any = false;
        for (Prepared p : prepared.values()) {
            if (p.boundLink == l) {
                return true;
            }
            any |= p.boundLink != null;
        }
        statementsMayBeBound = any;
        return false;
    }

    /** Binds a statement to the connection that holds its cursor or long data, or unbinds it ({@code null}). */
    private void bind(Prepared stmt, ServerLink link) {
        stmt.boundLink = link;
        statementsMayBeBound |= link != null;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean writable = channel.isWritable();
        for (int i = 0; i < links.size(); i++) {
            links.get(i).connection.autoRead(writable);
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
        } else if (phase == Phase.IN_FLIGHT && current != null) {
            seq = current.tracker.nextSequenceId();
        } else {
            seq = phase == Phase.COMMAND ? clientSeq + 1 : authSeq;
        }
        enter(Phase.CLOSING);
        writeErrAndClose(seq & 0xFF, err);
    }

    /**
     * Passes one packet of a backend's response on, and releases it. Small packets (most of an OLTP response: column
     * count, definitions, a row or two, the terminator) are copied into one buffer and leave in one write when the
     * response or the backend's read ends; a larger one goes as it is, after what was gathered. One write instead of
     * one per packet spares the pipeline hops, outbound-buffer entries and releases that dominated the relay's own
     * CPU time. {@link #onBackendFrames} passes many packets at once the same way.
     */
    private void relay(ByteBuf out) {
        relay(out, out.readerIndex(), out.writerIndex());
        out.release();
    }

    /**
     * Passes bytes {@code from} to {@code to} of {@code buf} (whole frames) on: copied into the gathering buffer
     * when small, else written as a retained slice, after what was gathered. {@code buf} keeps its reference.
     */
    private void relay(ByteBuf buf, int from, int to) {
        int n = to - from;
        if (n == 0) {
            return;
        }
        responseForwarded = true;
        if (n <= RELAY_COPY_LIMIT) {
            if (relayed != null && relayed.writableBytes() < n) {
                pushRelayed();
            }
            if (relayed == null) {
                relayed = ctx.alloc().directBuffer(RELAY_BUFFER);
            }
            relayed.writeBytes(buf, from, n);
            return;
        }
        pushRelayed();
        channel.write(buf.retainedSlice(from, n), channel.voidPromise());
    }

    /**
     * The last bytes of a response. When they are the backend's whole read, unchanged, and nothing was gathered
     * before them (the common response: all of it in one read), the read itself is passed on, as a TCP relay
     * would, without a buffer of its own or a copy; else as {@link #relay(ByteBuf, int, int)}. Only the whole read:
     * a slice of a large read would keep all of it for a few bytes while the client is slow to take them.
     */
    private void relayEnd(ByteBuf buf, int from, int to) {
        if (relayed != null || from != buf.readerIndex() || to != buf.writerIndex() || to == from) {
            relay(buf, from, to);
            return;
        }
        responseForwarded = true;
        channel.write(buf.retainedSlice(from, to - from), channel.voidPromise());
    }

    /** Writes (without flushing) what {@link #relay} gathered; every other write to the client comes after it. */
    private void pushRelayed() {
        ByteBuf r = relayed;
        if (r != null) {
            relayed = null;
            channel.write(r, channel.voidPromise());
        }
    }

    /** Writes and flushes a packet of Sluice's own, after any relayed bytes still gathered. */
    private io.netty.channel.ChannelFuture send(Object msg) {
        pushRelayed();
        return channel.writeAndFlush(msg);
    }

    private void writeErrAndClose(int seq, ErrPacket err) {
        meter.commandEnded(err.code());
        send(Packets.build(channel.alloc(), seq, err::encode))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** Closes the session from another thread (shutdown, admin): hops onto the session's event loop. */
    public void closeFromAnyThread() {
        if (channel != null) {
            channel.eventLoop().execute(this::close);
        }
    }

    /** Answers a command with a fatal ERR (shutdown in progress) and closes. */
    private void refuseAndClose(Frame frame, ErrPacket err) {
        frame.release();
        phase(Phase.CLOSING);
        writeErrAndClose(1, err);
    }

    /**
     * What the admin interface shows of this session, read on the session's own event loop (so thread-safe from any
     * thread); completes exceptionally if that loop is gone.
     */
    public java.util.concurrent.CompletableFuture<SessionView> viewFromAnyThread() {
        java.util.concurrent.CompletableFuture<SessionView> f = new java.util.concurrent.CompletableFuture<>();
        try {
            channel.eventLoop().execute(() -> f.complete(view()));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    private SessionView view() {
        List<String> held = new ArrayList<>(links.size());
        for (int i = 0; i < links.size(); i++) {
            held.add(links.get(i).toString());
        }
        String level = routing.consistency().map(Consistency::text)
                .orElseGet(() -> services.routes().defaultConsistency().text());
        return new SessionView(id, user, clientAddress, held, routing.inTransaction(), phase,
                phase == Phase.COMMAND ? meter.millisSinceActive() : 0, level, routing.written().toString(),
                routing.required().toString());
    }

    /**
     * Closes this session's connections to {@code server} as if the server had closed them (the admin interface's
     * {@code OFFLINE HARD}): a statement running there gets the usual lost-connection error. Hops onto the session's
     * event loop.
     */
    public void dropBackendFromAnyThread(String server) {
        channel.eventLoop().execute(() -> {
            ServerLink l = links.get(server);
            if (l != null) {
                l.connection.close();
            }
        });
    }

    /** Closes the client connection (and, through channelInactive, the backend). */
    public void close() {
        if (phase != Phase.CLOSING) {
            enter(Phase.CLOSING);
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
