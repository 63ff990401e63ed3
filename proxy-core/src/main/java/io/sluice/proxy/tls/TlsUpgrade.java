package io.sluice.proxy.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslContext;
import io.sluice.protocol.frame.FrameDecoder;

/**
 * The switch to TLS after a client's SSLRequest, on the client and the admin ports alike: TLS goes first in the
 * pipeline, and whatever the client sent after the SSLRequest in the same read (its ClientHello) leaves the frame
 * decoder, where it would be taken for a packet, and goes through TLS instead. The handshake's outcome arrives as an
 * {@link io.netty.handler.ssl.SslHandshakeCompletionEvent}.
 */
public final class TlsUpgrade {
    private TlsUpgrade() {
    }

    public static void begin(ChannelHandlerContext ctx, SslContext tls, FrameDecoder decoder) {
        ByteBuf early = decoder.takeBuffered();
        ctx.pipeline().addFirst("tls", tls.newHandler(ctx.alloc()));
        if (early.isReadable()) {
            ctx.pipeline().fireChannelRead(early);
        } else {
            early.release();
        }
    }
}
