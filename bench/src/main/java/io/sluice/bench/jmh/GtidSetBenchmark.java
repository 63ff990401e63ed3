package io.sluice.bench.jmh;

import io.sluice.protocol.gtid.Gtid;
import io.sluice.protocol.gtid.GtidSet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * {@link GtidSet#contains}: the question read-your-writes routing asks of every candidate server for every read
 * ("has this server executed what the session wrote?"). Sets shaped as after a few failovers: MySQL with three
 * source UUIDs, one of them with gaps; MariaDB with three domains. The answer is true (the common, full walk) and
 * false (the server is behind in the last source or domain).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class GtidSetBenchmark {

    @Param({"MYSQL", "MARIADB"})
    public GtidSet.Flavour flavour;

    private GtidSet server;
    private GtidSet sessionBehind;
    private GtidSet sessionAhead;
    private Gtid lastWrite;

    @Setup
    public void setUp() {
        if (flavour == GtidSet.Flavour.MYSQL) {
            server = GtidSet.parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1000000,"
                    + "4f22ab58-82db-22f2-af44-d91bb0530673:1-5000:5002-90000:90010-123456,"
                    + "5a33bc69-93ec-33a3-b055-ea2cc1641784:1-777777");
            sessionBehind = GtidSet.parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-999990,"
                    + "4f22ab58-82db-22f2-af44-d91bb0530673:1-5000:5002-90000:90010-123400,"
                    + "5a33bc69-93ec-33a3-b055-ea2cc1641784:1-777770");
            sessionAhead = GtidSet.parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1000000,"
                    + "4f22ab58-82db-22f2-af44-d91bb0530673:1-5000:5002-90000:90010-123456,"
                    + "5a33bc69-93ec-33a3-b055-ea2cc1641784:1-777778");
            lastWrite = Gtid.parse("5a33bc69-93ec-33a3-b055-ea2cc1641784:777770");
        } else {
            server = GtidSet.parse("0-1-1000000,1-2-123456,2-3-777777");
            sessionBehind = GtidSet.parse("0-1-999990,1-2-123400,2-3-777770");
            sessionAhead = GtidSet.parse("0-1-1000000,1-2-123456,2-3-777778");
            lastWrite = Gtid.parse("2-3-777770");
        }
        if (!server.contains(sessionBehind) || server.contains(sessionAhead) || !server.contains(lastWrite)) {
            throw new IllegalStateException("benchmark sets are not shaped as intended");
        }
    }

    @Benchmark
    public boolean containsSetTrue() {
        return server.contains(sessionBehind);
    }

    @Benchmark
    public boolean containsSetFalse() {
        return server.contains(sessionAhead);
    }

    @Benchmark
    public boolean containsGtid() {
        return server.contains(lastWrite);
    }
}
