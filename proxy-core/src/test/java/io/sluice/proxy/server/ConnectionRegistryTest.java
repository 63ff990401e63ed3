package io.sluice.proxy.server;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The shutdown drain's wait for running commands: woken by the last command to end, never polling. */
class ConnectionRegistryTest {

    @Test
    void awaitIdleReturnsAtOnceWhenNothingRuns() throws InterruptedException {
        ConnectionRegistry r = new ConnectionRegistry(10);
        r.commandStarted();
        r.commandEnded();
        assertThat(r.awaitIdle(0)).isTrue();
    }

    @Test
    void awaitIdleTimesOutWhileACommandRuns() throws InterruptedException {
        ConnectionRegistry r = new ConnectionRegistry(10);
        r.commandStarted();
        assertThat(r.awaitIdle(TimeUnit.MILLISECONDS.toNanos(50))).isFalse();
        assertThat(r.busy()).isEqualTo(1);
    }

    @Test
    void theLastCommandToEndWakesAWaitingDrain() throws Exception {
        ConnectionRegistry r = new ConnectionRegistry(10);
        r.commandStarted();
        r.commandStarted();
        CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> {
            try {
                // Long enough that only a wake-up, not the deadline, can end it within the test's wait below.
                return r.awaitIdle(TimeUnit.MINUTES.toNanos(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        waitUntilWaiting();
        r.commandEnded();
        // One command still runs: the drain keeps waiting.
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(5)).until(() -> !drained.isDone());
        r.commandEnded();
        assertThat(drained.get(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Until the drain thread is parked in the monitor's wait: it must be woken, not find busy at 0 on entry. */
    private static void waitUntilWaiting() {
        await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getState() == Thread.State.TIMED_WAITING && isInAwaitIdle(t)));
    }

    private static boolean isInAwaitIdle(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getMethodName().equals("awaitIdle")) {
                return true;
            }
        }
        return false;
    }
}
