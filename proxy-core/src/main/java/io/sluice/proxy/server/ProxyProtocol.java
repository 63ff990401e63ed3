package io.sluice.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.ProtocolDetectionResult;
import io.netty.handler.codec.ProtocolDetectionState;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.protocol.error.ErrorCode;
import io.sluice.protocol.frame.Packets;
import io.sluice.protocol.message.ErrPacket;
import io.sluice.proxy.config.Cidr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The PROXY protocol (v1 text and v2 binary, decoded by Netty's {@link HAProxyMessageDecoder}) on the client listener,
 * so that a load balancer in front of Sluice can pass on the client's real address, for host-based accounts and logs.
 *
 * <p>Trusted only from {@code proxy_protocol_networks}: a connection from there must start with a header (a MySQL
 * client speaks only after the server's greeting, so Sluice waits for it up to {@code handshake_timeout}, then answers
 * ERR 1043 and closes); a header from anywhere else is refused, since anyone could claim any address with one.
 *
 * @see <a href="https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt">The PROXY protocol</a>
 */
final class ProxyProtocol {
    private static final Logger log = LoggerFactory.getLogger(ProxyProtocol.class);

    private final List<Cidr> trusted;

    ProxyProtocol(List<Cidr> trusted) {
        this.trusted = List.copyOf(trusted);
    }

    /** Whether a connection from this peer must start with a PROXY header. */
    boolean trusts(InetSocketAddress peer) {
        if (peer == null) {
            return false;
        }
        for (Cidr c : trusted) {
            if (c.contains(peer.getAddress())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads the header from a trusted peer, then hands the client's address to {@code then}, which builds the rest of the
     * pipeline after this handler; this handler then fires {@code channelActive} to it and leaves the pipeline.
     */
    static final class HeaderReader extends ChannelInboundHandlerAdapter {
        private final Duration timeout;
        private final Consumer<InetSocketAddress> then;
        private ScheduledFuture<?> timer;
        private boolean done;

        HeaderReader(Duration timeout, Consumer<InetSocketAddress> then) {
            this.timeout = timeout;
            this.then = then;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            // Not passed on: the session behind starts only once the header told it who the client is.
            timer = ctx.executor().schedule(() -> {
                if (!done) {
                    done = true;
                    log.warn("refused {}: no PROXY protocol header within {}, and proxy_protocol_networks lists it",
                            ctx.channel().remoteAddress(), io.sluice.proxy.config.Durations.format(timeout));
                    ctx.writeAndFlush(Packets.build(ctx.alloc(), 0, ErrPacket.of(ErrorCode.BAD_HANDSHAKE)::encode))
                            .addListener(ChannelFutureListener.CLOSE);
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (done || !(msg instanceof HAProxyMessage header)) {
                ctx.fireChannelRead(msg);
                return;
            }
            done = true;
            timer.cancel(false);
            InetSocketAddress peer = ctx.channel().remoteAddress() instanceof InetSocketAddress isa ? isa : null;
            InetSocketAddress client;
            HAProxyProtocolVersion version = header.protocolVersion();
            try {
                client = clientOf(header, peer);
            } finally {
                header.release();
            }
            log.debug("PROXY {} header from {}: client {}", version, peer, client);
            then.accept(client);
            ctx.fireChannelActive();
            ctx.pipeline().remove(this);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!done && cause instanceof DecoderException) {
                done = true;
                timer.cancel(false);
                log.warn("refused {}: proxy_protocol_networks lists it, but it sent no valid PROXY protocol header ({})",
                        ctx.channel().remoteAddress(), cause.getMessage());
                ctx.close();
                return;
            }
            ctx.fireExceptionCaught(cause);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (timer != null) {
                timer.cancel(false);
            }
            ctx.fireChannelInactive();
        }

        /**
         * The client a header names: its source, for a proxied TCP connection; the peer itself for LOCAL (the balancer's
         * own health check) and for UNKNOWN protocols, as the specification says. Null means the peer's address.
         */
        private static InetSocketAddress clientOf(HAProxyMessage header, InetSocketAddress peer) {
            if (header.command() == HAProxyCommand.LOCAL || header.sourceAddress() == null) {
                return peer;
            }
            byte[] ip = NetUtil.createByteArrayFromIpAddressString(header.sourceAddress());
            if (ip == null) {
                return peer;   // a unix-socket address: nothing Sluice can match accounts against
            }
            try {
                return new InetSocketAddress(InetAddress.getByAddress(ip), header.sourcePort());
            } catch (UnknownHostException e) {
                return peer;
            }
        }
    }

    /**
     * In front of connections from untrusted peers: refuses one that starts with a PROXY header (with a log line that
     * says what to configure), and otherwise steps out of the way at the first bytes. A MySQL client's first packet
     * never looks like a header: its fourth byte is the sequence id 1, where a header has 'X' (v1) or 0x0A (v2). Netty's
     * detection looks at 12 bytes, fewer than any client's first packet (an SSLRequest is 36).
     */
    /** The first bytes of a v1 ({@code "PROXY "}) and a v2 header (its 12-byte signature). */
    private static final byte[] V1 = "PROXY ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] V2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    /** Whether the bytes so far are a prefix of (or start with) either header's signature. */
    static boolean startsLikeHeader(ByteBuf in) {
        return matchesPrefix(in, V1) || matchesPrefix(in, V2);
    }

    private static boolean matchesPrefix(ByteBuf in, byte[] signature) {
        int n = Math.min(in.readableBytes(), signature.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != signature[i]) {
                return false;
            }
        }
        return true;
    }

    static final class Guard extends ByteToMessageDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            if (!startsLikeHeader(in)) {
                // Netty's detection waits for 12 bytes; a MySQL client may send fewer and wait for an answer (a
                // bare packet header announcing an oversized packet). Those bytes can be no PROXY header.
                ctx.pipeline().remove(this);
                return;
            }
            ProtocolDetectionResult<HAProxyProtocolVersion> r = HAProxyMessageDecoder.detectProtocol(in);
            if (r.state() == ProtocolDetectionState.NEEDS_MORE_DATA) {
                return;
            }
            if (r.state() == ProtocolDetectionState.DETECTED) {
                log.warn("refused {}: it sent a PROXY protocol {} header, but proxy_protocol_networks does not list it",
                        ctx.channel().remoteAddress(), r.detectedProtocol());
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            // Not a header: the bytes buffered here go on to the frame decoder as this handler leaves.
            ctx.pipeline().remove(this);
        }
    }
}
