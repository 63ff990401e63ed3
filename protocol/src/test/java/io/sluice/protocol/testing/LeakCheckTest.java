package io.sluice.protocol.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves the leak check can see: a buffer dropped without release is reported, with its access records, and a
 * released one is not. The deliberate leak is cleared after the assertion, so it does not fail the class.
 */
class LeakCheckTest {

    @Test
    void reportsABufferDroppedWithoutRelease() {
        LeakCheck.clear();
        leakOneBuffer();

        var leaks = LeakCheck.detect();
        LeakCheck.clear();

        assertThat(leaks).isNotEmpty();
        assertThat(leaks).anySatisfy(leak -> {
            assertThat(leak.resourceType()).isEqualTo("ByteBuf");
            // PARANOID records every access; the touch hint proves the record is this buffer's.
            assertThat(leak.records()).contains("LeakCheckTest deliberate leak");
        });
    }

    @Test
    void releasedBuffersAreNotReported() {
        LeakCheck.clear();
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer(32).writeLong(42);
        buf.release();

        assertThat(LeakCheck.detect()).isEmpty();
    }

    /** Kept out of the test method so that nothing on the test's stack still refers to the buffer. */
    private static void leakOneBuffer() {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        buf.writeInt(0xC0FFEE);
        buf.touch("LeakCheckTest deliberate leak");
    }
}
