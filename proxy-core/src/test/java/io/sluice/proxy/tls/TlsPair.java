package io.sluice.proxy.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;

import java.util.ArrayList;
import java.util.List;

/**
 * A TLS client and server joined back to back through two {@link EmbeddedChannel}s, bytes moved between them by hand until
 * neither has anything more to say: a handshake without sockets, threads or timing.
 */
final class TlsPair implements AutoCloseable {
    final EmbeddedChannel client;
    final EmbeddedChannel server;
    final SslHandler clientSsl;
    final SslHandler serverSsl;
    final List<Throwable> failures = new ArrayList<>();

    TlsPair(SslContext clientContext, String peerHost, SslContext serverContext) {
        serverSsl = serverContext.newHandler(ByteBufAllocator.DEFAULT);
        server = new EmbeddedChannel(serverSsl, new Recorder());
        clientSsl = clientContext.newHandler(ByteBufAllocator.DEFAULT, peerHost, 3306);
        client = new EmbeddedChannel(clientSsl, new Recorder()); // active at once: the ClientHello is now outbound
    }

    /** Moves bytes both ways until both sides are quiet. */
    TlsPair pump() {
        for (int round = 0; round < 50; round++) {
            boolean moved = move(client, server) | move(server, client);
            if (!moved) {
                return this;
            }
        }
        throw new AssertionError("TLS handshake did not settle in 50 rounds");
    }

    /** Sends raw bytes to the server, as a client that is not an SSLEngine would. */
    void sendToServer(ByteBuf bytes) {
        server.writeInbound(bytes);
        server.runPendingTasks();
    }

    static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
        boolean moved = false;
        for (Object msg = from.readOutbound(); msg != null; msg = from.readOutbound()) {
            if (to.isOpen()) {
                to.writeInbound(msg);
                to.runPendingTasks();
            } else {
                ((ByteBuf) msg).release();
            }
            moved = true;
        }
        return moved;
    }

    @Override
    public void close() {
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }

    /** Keeps handshake failures for the test instead of letting EmbeddedChannel rethrow them from the next write. */
    private final class Recorder extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failures.add(cause);
        }
    }
}
