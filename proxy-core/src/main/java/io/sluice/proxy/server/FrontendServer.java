package io.sluice.proxy.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.sluice.protocol.frame.FrameDecoder;
import io.sluice.proxy.config.Cidr;
import io.sluice.proxy.session.FrontendSession;
import io.sluice.proxy.session.SessionServices;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Supplier;

/**
 * The MySQL-protocol listener for application clients. Each accepted connection gets a pipeline of
 * {@code traffic → guard → idle → frames → session}; TLS, when a client asks for it, is inserted in front by the
 * session. {@code traffic} counts bytes for metrics; {@code idle} ({@link ReadStallDetector}) notices a client
 * stalled in the middle of a packet; {@code guard} refuses a PROXY protocol header from a network not
 * in {@code proxy_protocol_networks}. A connection from a listed network gets {@code proxy → proxy-header} instead of
 * the guard, and the rest of the pipeline only once the header has given the client's address (see
 * {@link ProxyProtocol}).
 */
public final class FrontendServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FrontendServer.class);

    private final Supplier<SessionServices> services;
    private final InetSocketAddress listen;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Transport transport;
    private final ProxyProtocol proxyProtocol;
    private final ChannelHandler traffic;
    private Channel serverChannel;

    /**
     * @param services read for every new connection, so a reload reaches new sessions without touching old ones
     */
    public FrontendServer(Supplier<SessionServices> services, InetSocketAddress listen, Transport transport,
                          EventLoopGroup boss, EventLoopGroup workers) {
        this(services, listen, transport, boss, workers, List.of(), null);
    }

    /**
     * @param proxyProtocolNetworks where connections must start with a PROXY protocol header (empty: nowhere)
     * @param traffic               a shareable handler counting the bytes of every connection, or null
     */
    public FrontendServer(Supplier<SessionServices> services, InetSocketAddress listen, Transport transport,
                          EventLoopGroup boss, EventLoopGroup workers, List<Cidr> proxyProtocolNetworks,
                          ChannelHandler traffic) {
        this.services = services;
        this.listen = listen;
        this.transport = transport;
        this.boss = boss;
        this.workers = workers;
        this.proxyProtocol = new ProxyProtocol(proxyProtocolNetworks);
        this.traffic = traffic;
    }

    public InetSocketAddress start() throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(128 * 1024, 512 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SessionServices s = services.get();
                        ChannelPipeline p = ch.pipeline();
                        if (traffic != null) {
                            p.addLast("traffic", traffic);
                        }
                        if (proxyProtocol.trusts(ch.remoteAddress())) {
                            p.addLast("proxy", new HAProxyMessageDecoder());
                            p.addLast("proxy-header", new ProxyProtocol.HeaderReader(s.handshakeTimeout(),
                                    client -> addSession(p, s, client)));
                        } else {
                            p.addLast("guard", new ProxyProtocol.Guard());
                            addSession(p, s, null);
                        }
                    }
                });
        serverChannel = b.bind(listen).sync().channel();
        InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
        log.info("listening for MySQL clients on {} ({})", bound, transport.name());
        return bound;
    }

    private static void addSession(ChannelPipeline p, SessionServices s, InetSocketAddress client) {
        p.addLast(FrontendSession.PIPELINE_IDLE, new ReadStallDetector(s.readTimeout()));
        p.addLast(FrontendSession.PIPELINE_FRAMES, new FrameDecoder(s.maxPacketSize()));
        p.addLast(FrontendSession.PIPELINE_SESSION, new FrontendSession(s, s.registry().newId(), client));
    }

    public InetSocketAddress boundAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Stops accepting; existing sessions are left to their owner to drain or close. */
    @Override
    public void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
    }
}
