package io.sluice.proxy.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.sluice.protocol.frame.FrameDecoder;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Tells the session when a peer has sent nothing for {@code timeout} while stopped in the middle of a packet (the
 * server's {@code net_read_timeout}), with the {@link IdleStateEvent#READER_IDLE_STATE_EVENT} Netty's
 * {@code IdleStateHandler} would fire. Sits in front of the {@link FrameDecoder}.
 *
 * <p>Unlike {@code IdleStateHandler} it is inbound only and armed only while the decoder holds part of a packet, so
 * the query path pays neither a clock read per read nor a hop per write: on a relay of small statements the timer is
 * never set. Each read that leaves the decoder mid-packet sets it again from that read.
 */
public final class ReadStallDetector extends ChannelInboundHandlerAdapter {
    private final long timeoutNanos;
    private FrameDecoder decoder;
    private ScheduledFuture<?> timer;

    public ReadStallDetector(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // The decoder behind this handler has consumed the read by now.
        if (decoder(ctx) != null && decoder.midPacket()) {
            cancel();
            timer = ctx.executor().schedule(() -> stalled(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
        } else if (timer != null) {
            cancel();
        }
        ctx.fireChannelReadComplete();
    }

    private void stalled(ChannelHandlerContext ctx) {
        timer = null;
        if (ctx.channel().isActive() && decoder.midPacket()) {
            ctx.fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
        }
    }

    private FrameDecoder decoder(ChannelHandlerContext ctx) {
        if (decoder == null) {
            decoder = ctx.pipeline().get(FrameDecoder.class);
        }
        return decoder;
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }
}
