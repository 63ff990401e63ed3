package io.sluice.proxy.failover;

import io.sluice.proxy.backend.BackendEndpoint;
import io.sluice.proxy.failover.FailureDetector.Kind;
import io.sluice.proxy.monitor.MonitoredBackend;
import io.sluice.proxy.monitor.Observation;
import io.sluice.proxy.monitor.ReplicationChannel;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FailureDetectorTest {
    private static final List<MonitoredBackend> BACKENDS = List.of(
            new MonitoredBackend(new BackendEndpoint("src", "127.0.0.1", 3306), 1),
            new MonitoredBackend(new BackendEndpoint("r1", "127.0.0.1", 3307), 1),
            new MonitoredBackend(new BackendEndpoint("r2", "127.0.0.1", 3308), 1));
    private static final long S = 1_000_000_000L;

    private final FailureDetector detector = new FailureDetector(BACKENDS, 3, Duration.ofSeconds(60));

    private static Observation source() {
        return new Observation(true, "", false, 1, List.of(), 0);
    }

    private static Observation replica(boolean ioRunning) {
        return new Observation(true, "", true, 2, List.of(new ReplicationChannel("127.0.0.1", 3306, 1, ioRunning, true,
                ioRunning ? "" : "IO 2003: Can't connect")), 10);
    }

    private static Observation down() {
        return Observation.unreachable("cannot connect: refused");
    }

    @Test
    void deadAfterFailcountChecksWhenEveryReplicaLostIt() {
        detector.watch("src");
        detector.checked("src", source(), 0);
        detector.checked("r1", replica(false), 0);
        detector.checked("r2", replica(false), 0);
        assertThat(detector.checked("src", down(), S).kind()).isEqualTo(Kind.SUSPECT);
        assertThat(detector.checked("src", down(), 2 * S).kind()).isEqualTo(Kind.SUSPECT);
        FailureDetector.Verdict v = detector.checked("src", down(), 3 * S);
        assertThat(v.kind()).isEqualTo(Kind.DEAD);
        assertThat(v.why()).contains("3 consecutive checks failed").contains("r1, r2");
    }

    @Test
    void aSuccessStartsTheCountAgain() {
        detector.watch("src");
        detector.checked("r1", replica(false), 0);
        detector.checked("src", down(), S);
        detector.checked("src", down(), 2 * S);
        assertThat(detector.checked("src", source(), 3 * S).kind()).isEqualTo(Kind.HEALTHY);
        detector.checked("src", down(), 4 * S);
        assertThat(detector.checked("src", down(), 5 * S).kind()).isEqualTo(Kind.SUSPECT);
        assertThat(detector.checked("src", down(), 6 * S).kind()).isEqualTo(Kind.DEAD);
    }

    @Test
    void unreachableFromSluiceOnlyIsNotDead() {
        detector.watch("src");
        detector.checked("r1", replica(true), 0);
        detector.checked("r2", replica(false), 0);
        for (int i = 1; i <= 10; i++) {
            FailureDetector.Verdict v = detector.checked("src", down(), i * S);
            assertThat(v.kind()).isEqualTo(Kind.SUSPECT);
        }
        assertThat(detector.checked("r1", replica(true), 11 * S).why()).contains("r1 still replicates from it");
        // The replica loses it too: now it is dead.
        assertThat(detector.checked("r1", replica(false), 12 * S).kind()).isEqualTo(Kind.DEAD);
    }

    @Test
    void noReachableReplicaMeansNoConfirmation() {
        detector.watch("src");
        detector.checked("r1", down(), 0);
        detector.checked("r2", down(), 0);
        for (int i = 1; i <= 5; i++) {
            assertThat(detector.checked("src", down(), i * S).kind()).isEqualTo(Kind.SUSPECT);
        }
    }

    @Test
    void aSecondFailoverWithinMinIntervalIsSuppressed() {
        detector.watch("src");
        detector.checked("r1", replica(false), 0);
        for (int i = 1; i <= 3; i++) {
            detector.checked("src", down(), i * S);
        }
        detector.failedOver(3 * S);
        // r1 was promoted; r2 replicates from it, then it dies too, 30 s later.
        detector.watch("r1");
        detector.checked("r2", new Observation(true, "", true, 3, List.of(new ReplicationChannel("127.0.0.1", 3307, 2,
                false, true, "")), 10), 30 * S);
        detector.checked("r1", down(), 31 * S);
        detector.checked("r1", down(), 32 * S);
        assertThat(detector.checked("r1", down(), 33 * S).kind()).isEqualTo(Kind.SUPPRESSED);
        assertThat(detector.checked("r1", down(), 64 * S).kind()).isEqualTo(Kind.DEAD);
    }

    @Test
    void watchingAnotherServerStartsTheCountAgain() {
        detector.watch("src");
        detector.checked("r1", replica(false), 0);
        detector.checked("src", down(), S);
        detector.checked("src", down(), 2 * S);
        detector.watch("r1");
        assertThat(detector.failures()).isZero();
        assertThat(detector.checked("src", down(), 3 * S).kind()).isEqualTo(Kind.HEALTHY);
    }
}
