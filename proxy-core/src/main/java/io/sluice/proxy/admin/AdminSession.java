package io.sluice.proxy.admin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.protocol.Capability;
import io.sluice.protocol.Command;
import io.sluice.protocol.ServerStatus;
import io.sluice.protocol.auth.NativePassword;
import io.sluice.protocol.auth.Scrambles;
import io.sluice.protocol.error.ErrorCode;
import io.sluice.protocol.error.MalformedPacketException;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.FrameDecoder;
import io.sluice.protocol.frame.PacketTooLargeException;
import io.sluice.protocol.frame.Packets;
import io.sluice.protocol.frame.SequenceException;
import io.sluice.protocol.message.ErrPacket;
import io.sluice.protocol.message.HandshakeResponse41;
import io.sluice.protocol.message.HandshakeV10;
import io.sluice.protocol.message.OkPacket;
import io.sluice.proxy.auth.ClientAuthenticator;
import io.sluice.proxy.auth.UserDirectory;
import io.sluice.proxy.tls.TlsUpgrade;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One connection to the admin interface: Sluice's greeting, the admin account's login (checked by the same
 * {@link ClientAuthenticator} as application logins, against a directory that holds only the admin account), then
 * one {@link AdminCommands} statement at a time, each answered with OK, ERR or a result set.
 *
 * <h2>Threading contract</h2>
 * Confined to its channel's event loop. A command whose answer is gathered from other threads ({@code SHOW SESSIONS})
 * completes back on this loop; meanwhile reading from the client pauses and frames already read wait in order.
 *
 * <h2>Bad input</h2>
 * Packets are bounded by {@link #MAX_PACKET} (ERR 1153 and close), a malformed login is ERR 1043 and close, a packet
 * out of sequence ERR 1156 and close, and a client that has not logged in within {@code handshake_timeout}, or stalls
 * in the middle of a packet, is closed: nothing a client sends can hold a connection open for long.
 */
final class AdminSession extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(AdminSession.class);
    /** The largest packet accepted (admin statements are short); also what {@code @@max_allowed_packet} says. */
    static final int MAX_PACKET = 64 * 1024;
    /** utf8mb4_general_ci. */
    private static final int CHARSET = 45;
    private static final Capability CAPABILITIES = new Capability(Capability.LONG_PASSWORD | Capability.FOUND_ROWS
            | Capability.LONG_FLAG | Capability.CONNECT_WITH_DB | Capability.IGNORE_SPACE | Capability.PROTOCOL_41
            | Capability.INTERACTIVE | Capability.TRANSACTIONS | Capability.SECURE_CONNECTION
            | Capability.MULTI_RESULTS | Capability.PS_MULTI_RESULTS | Capability.PLUGIN_AUTH
            | Capability.CONNECT_ATTRS | Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA | Capability.DEPRECATE_EOF);

    enum Phase {
        AWAIT_HANDSHAKE_RESPONSE, TLS_HANDSHAKE, AUTHENTICATING, COMMAND, BUSY, CLOSING;

        boolean canMoveTo(Phase next) {
            return switch (this) {
                case AWAIT_HANDSHAKE_RESPONSE -> next == TLS_HANDSHAKE || next == AUTHENTICATING || next == CLOSING;
                case TLS_HANDSHAKE -> next == AWAIT_HANDSHAKE_RESPONSE || next == CLOSING;
                case AUTHENTICATING -> next == COMMAND || next == CLOSING;
                case COMMAND -> next == BUSY || next == CLOSING;
                case BUSY -> next == COMMAND || next == CLOSING;
                case CLOSING -> false;
            };
        }
    }

    private final long id;
    private final AdminCommands commands;
    private final UserDirectory account;
    private final String serverVersion;
    private final Duration handshakeTimeout;
    /** TLS offered (the client port's certificate); null offers none. */
    private final SslContext tls;
    private boolean overTls;
    private final byte[] scramble = Scrambles.generate();
    private final ArrayDeque<Frame> pending = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Channel channel;
    private FrameDecoder decoder;
    private Phase phase = Phase.AWAIT_HANDSHAKE_RESPONSE;
    private Capability clientCaps = CAPABILITIES;
    private int authSeq;
    private ClientAuthenticator authenticator;
    private ScheduledFuture<?> handshakeTimer;
    private String user;
    private String clientHost = "?";
    private InetAddress clientAddress = InetAddress.getLoopbackAddress();

    AdminSession(long id, AdminCommands commands, UserDirectory account, String serverVersion,
                 Duration handshakeTimeout, SslContext tls) {
        this.id = id;
        this.tls = tls;
        this.commands = commands;
        this.account = account;
        this.serverVersion = serverVersion;
        this.handshakeTimeout = handshakeTimeout;
    }

    private void phase(Phase next) {
        if (!phase.canMoveTo(next)) {
            throw new IllegalStateException("admin conn " + id + ": illegal phase change " + phase + " -> " + next);
        }
        phase = next;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.channel = ctx.channel();
        this.decoder = ctx.pipeline().get(FrameDecoder.class);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (channel.remoteAddress() instanceof InetSocketAddress isa) {
            clientAddress = isa.getAddress();
            clientHost = clientAddress.getHostAddress();
        }
        decoder.setSingleDecode(true);   // one packet per read until logged in, as the client port does
        HandshakeV10 greeting = new HandshakeV10(serverVersion, id, scramble, offered(), CHARSET,
                ServerStatus.AUTOCOMMIT, NativePassword.PLUGIN, 0);
        channel.writeAndFlush(Packets.build(ctx.alloc(), 0, greeting::encode));
        authSeq = 1;
        handshakeTimer = ctx.executor().schedule(() -> {
            if (phase == Phase.AWAIT_HANDSHAKE_RESPONSE || phase == Phase.TLS_HANDSHAKE
                    || phase == Phase.AUTHENTICATING) {
                log.info("admin conn {}: {} did not log in within {}, closing", id, clientHost, handshakeTimeout);
                closeNow();
            }
        }, handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        log.debug("admin conn {}: accepted from {}", id, clientHost);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        phase = Phase.CLOSING;
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        Frame f;
        while ((f = pending.poll()) != null) {
            f.release();
        }
        log.debug("admin conn {}: {} disconnected", id, clientHost);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Frame frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            switch (phase) {
                case AWAIT_HANDSHAKE_RESPONSE, AUTHENTICATING -> onAuthFrame(frame);
                case COMMAND -> onCommand(frame);
                case BUSY -> pending.add(frame);
                case TLS_HANDSHAKE, CLOSING -> frame.release();
            }
        } catch (SequenceException e) {
            fatal(ErrPacket.of(ErrorCode.PACKETS_OUT_OF_ORDER), e.getMessage());
        } catch (MalformedPacketException e) {
            fatal(ErrPacket.of(phase == Phase.COMMAND ? ErrorCode.MALFORMED_PACKET : ErrorCode.BAD_HANDSHAKE),
                    e.getMessage());
        }
    }

    // ------------------------------------------------------------------ login

    private void onAuthFrame(Frame frame) {
        try {
            if (frame.sequenceId() != authSeq) {
                throw new SequenceException(authSeq, frame.sequenceId());
            }
            authSeq = (frame.sequenceId() + 1) & 0xFF;
            ByteBuf payload = frame.payload();
            if (phase == Phase.AWAIT_HANDSHAKE_RESPONSE) {
                onHandshakeResponse(HandshakeResponse41.decode(payload));
            } else {
                byte[] data = new byte[payload.readableBytes()];
                payload.readBytes(data);
                authenticator.onClientData(data);
            }
        } finally {
            frame.release();
        }
    }

    private Capability offered() {
        return tls == null ? CAPABILITIES : CAPABILITIES.with(Capability.SSL);
    }

    private void onHandshakeResponse(HandshakeResponse41 response) {
        if (response.sslRequest()) {
            if (tls == null || overTls) {
                fatal(ErrPacket.of(ErrorCode.BAD_HANDSHAKE), overTls ? "a second SSLRequest"
                        : "SSLRequest, but the admin interface offers no TLS");
                return;
            }
            phase(Phase.TLS_HANDSHAKE);
            TlsUpgrade.begin(ctx, tls, decoder);
            return;
        }
        clientCaps = response.capabilities().and(offered()).without(Capability.SSL);
        user = response.username();
        phase(Phase.AUTHENTICATING);
        authenticator = new ClientAuthenticator(account, clientAddress, overTls, null, scramble,
                new ClientAuthenticator.Sink() {
                    @Override
                    public void send(Consumer<ByteBuf> payload) {
                        channel.writeAndFlush(Packets.build(ctx.alloc(), authSeq, payload));
                        authSeq = (authSeq + 1) & 0xFF;
                    }

                    @Override
                    public void succeeded(ClientAuthenticator.Outcome outcome) {
                        onLoggedIn();
                    }

                    @Override
                    public void failed(ErrPacket error) {
                        log.info("admin conn {}: login refused for '{}' from {}: {}", id, user, clientHost,
                                error.message());
                        phase(Phase.CLOSING);
                        writeAndClose(authSeq, error);
                    }
                });
        authenticator.start(user, clientCaps.pluginAuth() ? response.authPluginName() : NativePassword.PLUGIN,
                response.authResponse());
    }

    private void onLoggedIn() {
        handshakeTimer.cancel(false);
        phase(Phase.COMMAND);
        decoder.setSingleDecode(false);
        log.info("admin conn {}: '{}' from {} logged in", id, user, clientHost);
        writeOk(authSeq);
    }

    // ------------------------------------------------------------------ commands

    private void onCommand(Frame frame) {
        Command command;
        String sql = null;
        try {
            if (frame.sequenceId() != 0) {
                throw new SequenceException(0, frame.sequenceId());
            }
            ByteBuf p = frame.payload();
            command = p.isReadable() ? Command.of(p.getUnsignedByte(p.readerIndex())) : null;
            if (command == Command.QUERY) {
                sql = p.toString(p.readerIndex() + 1, p.readableBytes() - 1, StandardCharsets.UTF_8);
            }
        } finally {
            frame.release();
        }
        if (command == null) {
            writeErr(ErrPacket.of(ErrorCode.UNKNOWN_COMMAND));
            return;
        }
        switch (command) {
            case QUIT -> closeNow();
            case PING, INIT_DB, RESET_CONNECTION -> writeOk(1);
            case STATISTICS -> channel.writeAndFlush(Packets.build(ctx.alloc(), 1, b -> b.writeCharSequence(
                    "Sluice admin interface; commands: SHOW BACKENDS, SHOW SESSIONS, SHOW ROUTING STATS",
                    StandardCharsets.UTF_8)));
            case QUERY -> query(sql);
            default -> writeErr(ErrPacket.of(ErrorCode.UNKNOWN_COMMAND));
        }
    }

    private void query(String sql) {
        log.debug("admin conn {}: {}", id, sql);
        var caller = new AdminCommands.Caller(id, user, clientHost);
        var reply = commands.execute(sql, caller);
        if (reply.isDone()) {
            answer(reply.join());
            return;
        }
        phase(Phase.BUSY);
        channel.config().setAutoRead(false);
        reply.whenComplete((r, e) -> channel.eventLoop().execute(() -> {
            if (phase != Phase.BUSY) {
                return;   // closed meanwhile
            }
            phase(Phase.COMMAND);
            channel.config().setAutoRead(true);
            if (e != null) {
                log.warn("admin conn {}: '{}' failed", id, sql, e);
                writeErr(ErrPacket.of(ErrorCode.WRONG_ARGUMENTS, "the statement: " + e));
            } else {
                answer(r);
            }
            Frame next;
            while (phase == Phase.COMMAND && (next = pending.poll()) != null) {
                channelRead(ctx, next);
            }
        }));
    }

    private void answer(AdminCommands.Reply reply) {
        if (reply instanceof AdminCommands.Reply.Ok) {
            writeOk(1);
        } else if (reply instanceof AdminCommands.Reply.Error e) {
            writeErr(e.err());
        } else if (reply instanceof AdminCommands.Reply.Rows rows) {
            channel.writeAndFlush(rows.rows().encode(ctx.alloc(), 1, clientCaps, ServerStatus.AUTOCOMMIT));
        }
    }

    private void writeOk(int seq) {
        OkPacket ok = OkPacket.of(0, 0, ServerStatus.AUTOCOMMIT, 0);
        channel.writeAndFlush(Packets.build(ctx.alloc(), seq, b -> ok.encode(b, clientCaps)));
    }

    private void writeErr(ErrPacket err) {
        channel.writeAndFlush(Packets.build(ctx.alloc(), 1, err::encode));
    }

    // ------------------------------------------------------------------ errors and closing

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent e) {
            if (e.isSuccess() && phase == Phase.TLS_HANDSHAKE) {
                overTls = true;
                phase(Phase.AWAIT_HANDSHAKE_RESPONSE);
            } else if (!e.isSuccess()) {
                log.info("admin conn {}: TLS handshake with {} failed: {}", id, clientHost, e.cause().getMessage());
                closeNow();
            }
            return;
        }
        if (evt instanceof IdleStateEvent && decoder.midPacket()) {
            fatal(ErrPacket.of(ErrorCode.READ_TIMEOUT), "stalled in the middle of a packet");
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof PacketTooLargeException tooLarge) {
            fatal(ErrPacket.of(ErrorCode.PACKET_TOO_LARGE), tooLarge.getMessage());
        } else if (root instanceof IOException) {
            log.debug("admin conn {}: {}", id, root.toString());
            closeNow();
        } else {
            log.warn("admin conn {}: unexpected error, closing", id, root);
            closeNow();
        }
    }

    /** A protocol violation: ERR if the client can still read one, then close. */
    private void fatal(ErrPacket err, String detail) {
        if (phase == Phase.CLOSING) {
            return;
        }
        log.info("admin conn {}: protocol error from {}: {} ({})", id, clientHost, err.message(), detail);
        int seq = phase == Phase.COMMAND || phase == Phase.BUSY ? 1 : authSeq;
        phase = Phase.CLOSING;
        writeAndClose(seq, err);
    }

    private void writeAndClose(int seq, ErrPacket err) {
        channel.writeAndFlush(Packets.build(ctx.alloc(), seq & 0xFF, err::encode))
                .addListener(ChannelFutureListener.CLOSE);
    }

    private void closeNow() {
        phase = Phase.CLOSING;
        channel.close();
    }
}
