package io.sluice.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Positive;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of the length-encoded integer. jqwik runs outside JUnit Jupiter, so LeakCheck does not watch these;
 * they use unpooled heap buffers, which hold no memory outside the Java heap.
 */
class WireProperties {

    @Property(tries = 2000)
    void lenencIntRoundTrips(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long value) {
        ByteBuf buf = Unpooled.buffer(9);
        try {
            Wire.writeLenencInt(buf, value);
            assertThat(buf.readableBytes()).isEqualTo(Wire.lenencIntSize(value));
            assertThat(Wire.readLenencInt(buf, "n")).isEqualTo(value);
            assertThat(buf.isReadable()).isFalse();
        } finally {
            buf.release();
        }
    }

    /** Small values matter most (every length in a packet); sample them densely around the size-class edges. */
    @Property(tries = 2000)
    void lenencIntRoundTripsNearTheEdges(@ForAll @LongRange(min = 0, max = 1L << 25) long value) {
        lenencIntRoundTrips(value);
    }

    @Property(tries = 500)
    void firstByteNeverCollidesWithNullOrErr(@ForAll @Positive long value) {
        ByteBuf buf = Unpooled.buffer(9);
        try {
            Wire.writeLenencInt(buf, value);
            int first = buf.getUnsignedByte(0);
            assertThat(first).isNotEqualTo(0xFB).isNotEqualTo(0xFF);
        } finally {
            buf.release();
        }
    }
}
