package io.sluice.proxy.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.FrameDecoder;
import io.sluice.protocol.message.HandshakeV10;

import java.util.concurrent.CompletableFuture;

/**
 * Reads a backend's greeting without logging in: its version string, capabilities and default character set,
 * which Sluice repeats in its own greeting so that drivers pick the right dialect.
 */
public final class BackendProbe {
    private BackendProbe() {
    }

    public static CompletableFuture<HandshakeV10> greeting(EventLoopGroup group, Class<? extends Channel> channelType,
                                                           BackendEndpoint endpoint, int timeoutMillis) {
        CompletableFuture<HandshakeV10> result = new CompletableFuture<>();
        new Bootstrap().group(group).channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
                .handler(new io.netty.channel.ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new FrameDecoder(1 << 16));
                        ch.pipeline().addLast(new SimpleChannelInboundHandler<Frame>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
                                try {
                                    result.complete(HandshakeV10.decode(frame.payload()));
                                } catch (RuntimeException e) {
                                    result.completeExceptionally(e);
                                }
                                ctx.close();
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                result.completeExceptionally(new IllegalStateException(endpoint
                                        + " closed the connection before its greeting"));
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                result.completeExceptionally(cause);
                                ctx.close();
                            }
                        });
                    }
                })
                .connect(endpoint.host(), endpoint.port())
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        result.completeExceptionally(f.cause());
                    }
                });
        return result;
    }
}
