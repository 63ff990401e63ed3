package io.sluice.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.sluice.protocol.frame.FrameDecoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ReadStallDetectorTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final List<Object> events = new ArrayList<>();
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel(new ReadStallDetector(TIMEOUT), new FrameDecoder(1 << 20),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        events.add(evt);
                    }
                });
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Test
    void aPeerStoppedMidPacketIsReportedAfterTheTimeout() {
        channel.writeInbound(header(100).writeBytes(new byte[40]));
        pass(TIMEOUT.minusSeconds(1));
        assertThat(events).isEmpty();
        pass(Duration.ofSeconds(1));
        assertThat(events).containsExactly(IdleStateEvent.READER_IDLE_STATE_EVENT);
    }

    @Test
    void anIdlePeerBetweenPacketsIsNeverReported() {
        channel.writeInbound(header(3).writeBytes(new byte[3]));
        pass(TIMEOUT.multipliedBy(3));
        assertThat(events).isEmpty();
    }

    @Test
    void eachReadThatLeavesThePacketUnfinishedRestartsTheClock() {
        channel.writeInbound(header(100).writeBytes(new byte[10]));
        pass(TIMEOUT.minusSeconds(1));
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[10]));
        pass(TIMEOUT.minusSeconds(1));
        assertThat(events).isEmpty();
        pass(Duration.ofSeconds(1));
        assertThat(events).containsExactly(IdleStateEvent.READER_IDLE_STATE_EVENT);
    }

    @Test
    void finishingThePacketDisarmsTheTimer() {
        channel.writeInbound(header(20).writeBytes(new byte[10]));
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[10]));
        pass(TIMEOUT.multipliedBy(2));
        assertThat(events).isEmpty();
    }

    private void pass(Duration d) {
        channel.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
    }

    private static ByteBuf header(int payloadLength) {
        return Unpooled.buffer().writeMediumLE(payloadLength).writeByte(0);
    }
}
