package io.sluice.proxy.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.FrameDecoder;
import io.sluice.protocol.message.HandshakeV10;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Connects to a backend and reads the first packet it sends, without logging in, then closes. {@link #greeting}
 * decodes it: the version string, capabilities and default character set, which Sluice repeats in its own greeting
 * so that drivers pick the right dialect. {@link #answers} only asks whether the server is up.
 */
public final class BackendProbe {
    private BackendProbe() {
    }

    /** The server's greeting; fails if it cannot be reached or sends nothing within {@code timeoutMillis}. */
    public static CompletableFuture<HandshakeV10> greeting(EventLoopGroup group, Class<? extends Channel> channelType,
                                                           BackendEndpoint endpoint, int timeoutMillis) {
        return firstPacket(group, channelType, endpoint, timeoutMillis, HandshakeV10::decode);
    }

    /**
     * Whether the server accepts a connection and sends its first packet (a greeting, or an error such as too many
     * connections: either way it is up) within {@code timeoutMillis}. Never fails: false when it refuses, closes first
     * or stays silent.
     */
    public static CompletableFuture<Boolean> answers(EventLoopGroup group, Class<? extends Channel> channelType,
                                                     BackendEndpoint endpoint, int timeoutMillis) {
        return firstPacket(group, channelType, endpoint, timeoutMillis, payload -> Boolean.TRUE)
                .handle((up, failure) -> failure == null);
    }

    private static <T> CompletableFuture<T> firstPacket(EventLoopGroup group, Class<? extends Channel> channelType,
                                                        BackendEndpoint endpoint, int timeoutMillis,
                                                        Function<io.netty.buffer.ByteBuf, T> decode) {
        CompletableFuture<T> result = new CompletableFuture<>();
        new Bootstrap().group(group).channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
                .handler(new io.netty.channel.ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new FrameDecoder(1 << 16));
                        ch.pipeline().addLast(new SimpleChannelInboundHandler<Frame>() {
                            private ScheduledFuture<?> silence;

                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                // The connect timeout covers the connection; this covers the wait for the packet.
                                silence = ctx.executor().schedule(() -> {
                                    result.completeExceptionally(new TimeoutException(endpoint
                                            + " sent nothing within " + timeoutMillis + " ms of the connection"));
                                    ctx.close();
                                }, timeoutMillis, TimeUnit.MILLISECONDS);
                                ctx.fireChannelActive();
                            }

                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
                                try {
                                    result.complete(decode.apply(frame.payload()));
                                } catch (RuntimeException e) {
                                    result.completeExceptionally(e);
                                }
                                ctx.close();
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                if (silence != null) {
                                    silence.cancel(false);
                                }
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
