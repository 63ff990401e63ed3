package io.sluice.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.sluice.proxy.server.Transport;

import java.net.InetSocketAddress;

/**
 * A TCP relay on the same Netty transport as Sluice (epoll, one event loop per core, client and server channel of a
 * connection on one loop), and nothing else: bytes in, bytes out, no framing, no routing. The harness runs it as a
 * second L4 reference beside HAProxy, so that a table separates what is the JVM and Netty's per-event cost (this
 * relay against HAProxy) from what is Sluice's own work as an L7 proxy (Sluice against this relay).
 *
 * <p>Usage: {@code java -cp sluice-bench.jar io.sluice.bench.load.NettyRelay LISTEN_PORT TARGET_HOST:PORT}; it
 * listens on 127.0.0.1 and prints {@code relaying} once bound.
 */
public final class NettyRelay {

    private NettyRelay() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2) {
            System.err.println("usage: NettyRelay LISTEN_PORT TARGET_HOST:PORT");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int colon = args[1].lastIndexOf(':');
        InetSocketAddress target = new InetSocketAddress(args[1].substring(0, colon),
                Integer.parseInt(args[1].substring(colon + 1)));
        Transport transport = Transport.best();
        EventLoopGroup loops = transport.group(0, "relay");
        Channel server = new ServerBootstrap()
                .group(loops)
                .channel(transport.serverChannel())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel client) {
                        client.pipeline().addLast(new ClientSide(transport, target));
                    }
                })
                .bind("127.0.0.1", port).sync().channel();
        System.out.println("relaying 127.0.0.1:" + port + " -> " + target + " (" + transport.name() + ")");
        server.closeFuture().sync();
    }

    /** The client's channel: connects to the target on its own loop, then reads on. */
    private static final class ClientSide extends Pass {
        private final Transport transport;
        private final InetSocketAddress target;

        ClientSide(Transport transport, InetSocketAddress target) {
            this.transport = transport;
            this.target = target;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel client = ctx.channel();
            new Bootstrap()
                    .group(client.eventLoop())
                    .channel(transport.socketChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new Pass(client))
                    .connect(target)
                    .addListener((ChannelFutureListener) f -> {
                        if (f.isSuccess() && !client.isActive()) {
                            f.channel().close(); // the client left while we connected: nobody to relay for
                        } else if (f.isSuccess()) {
                            peer = f.channel();
                            client.config().setAutoRead(true);
                        } else {
                            client.close();
                        }
                    });
        }
    }

    /**
     * One side of a connection: what it reads goes to the peer unflushed, with one flush per read batch, and no
     * promise per write. When the peer's outbound buffer passes its high-water mark this side stops reading until
     * it drains, so a slow reader holds at most a watermark's worth of bytes here.
     */
    private static class Pass extends ChannelInboundHandlerAdapter {
        Channel peer;

        Pass() {
        }

        Pass(Channel peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            peer.write(msg, peer.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            peer.flush();
            if (!peer.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            // This side drained: its peer may read again.
            if (ctx.channel().isWritable() && peer != null) {
                peer.config().setAutoRead(true);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (peer != null && peer.isActive()) {
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
