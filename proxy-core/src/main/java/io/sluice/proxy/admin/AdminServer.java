package io.sluice.proxy.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.sluice.protocol.frame.FrameDecoder;
import io.sluice.proxy.auth.Account;
import io.sluice.proxy.auth.UserDirectory;
import io.sluice.proxy.config.AdminConfig;
import io.sluice.proxy.server.ReadStallDetector;
import io.sluice.proxy.server.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The admin interface's listener ({@code admin.listen}): MySQL protocol, one {@link AdminSession} per connection, the
 * admin account only. Its connections are not client sessions: they do not count against {@code max_connections},
 * do not appear in {@code SHOW SESSIONS}, and stay open while Sluice drains (so an operator can watch it).
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    private final AdminConfig config;
    private final AdminCommands commands;
    private final UserDirectory account;
    private final String serverVersion;
    private final Duration handshakeTimeout;
    private final Duration readTimeout;
    private final Transport transport;
    /** TLS offered to admin clients: the client port's context (the {@code tls} section's certificate). */
    private final SslContext tls;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final AtomicLong nextId = new AtomicLong(1);
    private Channel serverChannel;

    public AdminServer(AdminConfig config, AdminContext context, Duration handshakeTimeout, Duration readTimeout,
                       Transport transport, SslContext tls, EventLoopGroup boss, EventLoopGroup workers) {
        this.config = config;
        this.commands = new AdminCommands(context);
        this.account = new UserDirectory(List.of(Account.configured(config.user(), config.password())));
        this.serverVersion = context.serverVersion();
        this.handshakeTimeout = handshakeTimeout;
        this.readTimeout = readTimeout;
        this.transport = transport;
        this.tls = tls;
        this.boss = boss;
        this.workers = workers;
    }

    public InetSocketAddress start() throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("idle", new ReadStallDetector(readTimeout));
                        ch.pipeline().addLast("frames", new FrameDecoder(AdminSession.MAX_PACKET));
                        ch.pipeline().addLast("admin", new AdminSession(nextId.getAndIncrement(), commands, account,
                                serverVersion, handshakeTimeout, tls));
                    }
                });
        InetSocketAddress listen = new InetSocketAddress(config.listen().host(), config.listen().port());
        serverChannel = b.bind(listen).sync().channel();
        InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
        log.info("admin interface on {} (user '{}')", bound, config.user());
        return bound;
    }

    public InetSocketAddress boundAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
    }
}
