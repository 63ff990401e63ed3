package io.sluice.protocol.gtid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** {@link GtidSet#contains(GtidSet)} is asked on every routed read; it must not allocate. */
class GtidSetAllocationTest {
    private static final int CALLS = 200_000;

    @Test
    void mysqlContainsDoesNotAllocate() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            text.append(String.format("%08x-0000-4000-8000-%012x:1-1000:1002-5000:6000,", i, i));
        }
        text.append("ffffffff-ffff-ffff-ffff-ffffffffffff:etl:1-9");
        GtidSet executed = GtidSet.parseMySql(text.toString());
        GtidSet required = GtidSet.parseMySql("00000005-0000-4000-8000-000000000005:999-1000:4000,"
                + "00000013-0000-4000-8000-000000000013:6000,ffffffff-ffff-ffff-ffff-ffffffffffff:etl:9");
        assertThat(allocatedBy(() -> executed.contains(required))).isLessThan(1024);
    }

    @Test
    void mariadbContainsDoesNotAllocate() {
        GtidSet executed = GtidSet.parseMariaDb("0-1-1000,1-2-500,2-3-18446744073709551615,7-1-3");
        GtidSet required = GtidSet.parseMariaDb("1-9-499,7-1-3");
        assertThat(allocatedBy(() -> executed.contains(required))).isLessThan(1024);
    }

    /** Bytes allocated by this thread over many calls (after warming up), or the test is skipped if unmeasurable. */
    private static long allocatedBy(java.util.function.BooleanSupplier call) {
        var bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter");
        var threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        boolean all = true;
        for (int i = 0; i < CALLS; i++) {
            all &= call.getAsBoolean();
        }
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < CALLS; i++) {
            all &= call.getAsBoolean();
        }
        long after = threads.getThreadAllocatedBytes(id);
        assertThat(all).isTrue();
        return after - before;
    }
}
