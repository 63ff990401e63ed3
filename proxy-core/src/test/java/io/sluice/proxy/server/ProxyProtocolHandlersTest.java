package io.sluice.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.message.ErrPacket;
import io.sluice.proxy.config.Cidr;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The PROXY protocol handlers alone, on an {@link EmbeddedChannel}, fed one byte at a time. */
class ProxyProtocolHandlersTest {
    /**
     * The start of a real HandshakeResponse41 from the mariadb client: length 0x0000b6, sequence id 1, capability
     * flags, max packet size, character set. Its fourth byte (the sequence id) already tells it from a PROXY header.
     */
    private static final byte[] MYSQL_LOGIN = HexFormat.of().parseHex(
            "b6000001" + "85a6ff01" + "00000001" + "2d" + "00".repeat(23) + "61646d696e00");
    private static final byte[] V1 = "PROXY TCP4 198.51.100.22 10.0.0.5 35646 6033\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    /** v2 signature, PROXY command, TCP over IPv4, 12 bytes of addresses: 192.0.2.1:4660 to 10.0.0.5:6033. */
    private static final byte[] V2 = HexFormat.of().parseHex("0d0a0d0a000d0a515549540a" + "21" + "11" + "000c"
            + "c0000201" + "0a000005" + "1234" + "1791");

    /** Feeds the bytes one by one, until the handlers close the channel. */
    private static void feedByteByByte(EmbeddedChannel ch, byte[] bytes) {
        for (byte b : bytes) {
            if (!ch.isOpen()) {
                return;
            }
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[]{b}));
        }
    }

    private static byte[] drainInbound(EmbeddedChannel ch) {
        List<Byte> out = new ArrayList<>();
        ByteBuf b;
        while ((b = ch.readInbound()) != null) {
            while (b.isReadable()) {
                out.add(b.readByte());
            }
            b.release();
        }
        byte[] a = new byte[out.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = out.get(i);
        }
        return a;
    }

    // ------------------------------------------------------------------ the guard, for unlisted networks

    @Test
    void guardPassesAMysqlLoginThroughUntouchedAndLeaves() {
        EmbeddedChannel ch = new EmbeddedChannel(new ProxyProtocol.Guard());
        feedByteByByte(ch, MYSQL_LOGIN);
        assertThat(drainInbound(ch)).isEqualTo(MYSQL_LOGIN);
        assertThat(ch.pipeline().get(ProxyProtocol.Guard.class)).isNull();
        assertThat(ch.isOpen()).isTrue();
        assertFalse(ch.finish());
    }

    @Test
    void guardLetsAShortMysqlPacketThroughAtOnce() {
        // A bare 4-byte header announcing an oversized packet: the client waits for Sluice's ERR 1153, so the guard
        // must not wait for the 12 bytes a PROXY v2 signature needs.
        byte[] header = {0x01, 0x00, 0x01, 0x01};
        EmbeddedChannel ch = new EmbeddedChannel(new ProxyProtocol.Guard());
        ch.writeInbound(io.netty.buffer.Unpooled.wrappedBuffer(header));
        assertThat(drainInbound(ch)).isEqualTo(header);
        assertThat(ch.pipeline().get(ProxyProtocol.Guard.class)).isNull();
        assertFalse(ch.finish());
    }

    @Test
    void guardRefusesAV1HeaderByClosing() {
        EmbeddedChannel ch = new EmbeddedChannel(new ProxyProtocol.Guard());
        feedByteByByte(ch, V1);
        assertThat(ch.isOpen()).isFalse();
        assertThat(drainInbound(ch)).isEmpty();
        assertFalse(ch.finish());
    }

    @Test
    void guardRefusesAV2HeaderByClosing() {
        EmbeddedChannel ch = new EmbeddedChannel(new ProxyProtocol.Guard());
        feedByteByByte(ch, V2);
        assertThat(ch.isOpen()).isFalse();
        assertFalse(ch.finish());
    }

    // ------------------------------------------------------------------ the reader, for listed networks

    /** Records channelActive and passes reads on, as the session pipeline the reader builds would see them. */
    private static final class Behind extends ChannelInboundHandlerAdapter {
        int actives;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            actives++;
            ctx.fireChannelActive();
        }
    }

    private static EmbeddedChannel reader(AtomicReference<InetSocketAddress> client, Behind behind) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(new HAProxyMessageDecoder());
        ch.pipeline().addLast(new ProxyProtocol.HeaderReader(Duration.ofSeconds(1), a -> {
            client.set(a);
            ch.pipeline().addLast(behind);
        }));
        ch.pipeline().fireChannelActive();
        return ch;
    }

    @Test
    void readerTakesTheClientFromAV1HeaderThenStartsTheSessionWithTheBytesAfterIt() {
        AtomicReference<InetSocketAddress> client = new AtomicReference<>();
        Behind behind = new Behind();
        EmbeddedChannel ch = reader(client, behind);
        byte[] both = new byte[V1.length + MYSQL_LOGIN.length];
        System.arraycopy(V1, 0, both, 0, V1.length);
        System.arraycopy(MYSQL_LOGIN, 0, both, V1.length, MYSQL_LOGIN.length);
        feedByteByByte(ch, both);

        assertThat(client.get()).isEqualTo(new InetSocketAddress("198.51.100.22", 35646));
        assertThat(behind.actives).as("the session starts once, after the header").isEqualTo(1);
        assertThat(drainInbound(ch)).isEqualTo(MYSQL_LOGIN);
        assertThat(ch.pipeline().get(ProxyProtocol.HeaderReader.class)).isNull();
        assertThat(ch.pipeline().get(HAProxyMessageDecoder.class)).isNull();
        assertFalse(ch.finish());
    }

    @Test
    void readerTakesTheClientFromAV2Header() {
        AtomicReference<InetSocketAddress> client = new AtomicReference<>();
        EmbeddedChannel ch = reader(client, new Behind());
        feedByteByByte(ch, V2);
        assertThat(client.get()).isEqualTo(new InetSocketAddress("192.0.2.1", 0x1234));
        assertFalse(ch.finish());
    }

    @Test
    void readerAnswersBadHandshakeWhenNoHeaderComesInTime() {
        AtomicReference<InetSocketAddress> client = new AtomicReference<>();
        EmbeddedChannel ch = reader(client, new Behind());
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        ByteBuf err = ch.readOutbound();
        try {
            assertThat((int) err.getUnsignedByte(Frame.HEADER_SIZE)).isEqualTo(ErrPacket.HEADER);
            assertThat(ErrPacket.decode(err.skipBytes(Frame.HEADER_SIZE)).code()).isEqualTo(1043);
        } finally {
            err.release();
        }
        assertThat(ch.isOpen()).isFalse();
        assertThat(client.get()).isNull();
        assertFalse(ch.finish());
    }

    @Test
    void readerClosesOnSomethingThatIsNotAHeader() {
        AtomicReference<InetSocketAddress> client = new AtomicReference<>();
        EmbeddedChannel ch = reader(client, new Behind());
        feedByteByByte(ch, "GET / HTTP/1.1\r\nHost: sluice\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(ch.isOpen()).isFalse();
        assertThat(client.get()).isNull();
        assertFalse(ch.finish());
    }

    @Test
    void trustFollowsTheListedNetworks() {
        ProxyProtocol p = new ProxyProtocol(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("fd00::/8")));
        assertThat(p.trusts(new InetSocketAddress("10.20.30.40", 1))).isTrue();
        assertThat(p.trusts(new InetSocketAddress("11.0.0.1", 1))).isFalse();
        assertThat(p.trusts(new InetSocketAddress("fd00::7", 1))).isTrue();
        assertThat(p.trusts(new InetSocketAddress("::ffff:10.0.0.1", 1))).isTrue();
        assertThat(new ProxyProtocol(List.of()).trusts(new InetSocketAddress("10.0.0.1", 1))).isFalse();
    }
}
