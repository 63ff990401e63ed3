package io.sluice.proxy.gtid;

import io.sluice.protocol.gtid.Gtid;
import io.sluice.protocol.gtid.GtidSet;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link WaiterRegistry} without any server: publications are made by hand. */
class WaiterRegistryTest {
    private static final Executor DIRECT = Runnable::run;

    private final WaiterRegistry registry = new WaiterRegistry(List.of("a", "b"));
    private final List<String> fired = new CopyOnWriteArrayList<>();

    private static GtidSet maria(String text) {
        return GtidSet.parseMariaDb(text);
    }

    @Test
    void anUnknownServerHasTheEmptySet() {
        assertThat(registry.executed("a")).isEqualTo(GtidSet.empty());
        assertThat(registry.known("a")).isFalse();
        assertThat(registry.executed("nobody")).isEqualTo(GtidSet.empty());
        registry.publish("a", GtidSet.empty());
        assertThat(registry.known("a")).isTrue();
        assertThat(registry.known("nobody")).isFalse();
    }

    @Test
    void aWaiterAlreadySatisfiedFiresImmediatelyThroughItsExecutor() {
        registry.publish("a", maria("0-1-10"));
        List<Runnable> queued = new ArrayList<>();
        Waiter w = registry.await(List.of("b", "a"), maria("0-1-5"), queued::add, fired::add);
        assertThat(fired).isEmpty();
        assertThat(queued).hasSize(1);
        queued.get(0).run();
        assertThat(fired).containsExactly("a");
        assertThat(w.cancel()).isFalse();
        assertThat(registry.pending("a")).isZero();
    }

    @Test
    void firesOnTheFirstPublicationThatContainsTheRequiredSetAndOnlyOnce() {
        registry.publish("a", maria("0-1-1"));
        registry.publish("b", maria("0-1-1"));
        Waiter w = registry.await(List.of("a", "b"), maria("0-1-3"), DIRECT, fired::add);
        registry.publish("a", maria("0-1-2"));
        assertThat(fired).isEmpty();
        assertThat(registry.pending("a")).isOne();
        assertThat(registry.pending("b")).isOne();

        registry.publish("b", maria("0-1-3"));
        assertThat(fired).containsExactly("b");
        registry.publish("a", maria("0-1-4"));
        registry.publish("b", maria("0-1-5"));
        assertThat(fired).containsExactly("b");
        assertThat(registry.pending("a")).isZero();
        assertThat(registry.pending("b")).isZero();
        assertThat(w.cancel()).isFalse();
    }

    @Test
    void aCancelledWaiterNeverFires() {
        Waiter w = registry.await(List.of("a"), maria("0-1-3"), DIRECT, fired::add);
        assertThat(w.cancel()).isTrue();
        assertThat(w.cancel()).isFalse();
        registry.publish("a", maria("0-1-3"));
        assertThat(fired).isEmpty();
        assertThat(registry.pending("a")).isZero();
    }

    @Test
    void serversThatAreNotTrackedAreIgnored() {
        Waiter never = registry.await(List.of("nobody"), maria("0-1-1"), DIRECT, fired::add);
        Waiter some = registry.await(List.of("nobody", "a", "a"), maria("0-1-1"), DIRECT, fired::add);
        assertThat(registry.pending("a")).isOne();
        registry.publish("a", maria("0-1-1"));
        assertThat(fired).containsExactly("a");
        assertThat(never.cancel()).isTrue();
        assertThat(some.cancel()).isFalse();
    }

    @Test
    void anEmptyRequirementIsMetByAnyNamedServer() {
        registry.await(List.of("b"), GtidSet.empty(), DIRECT, fired::add);
        assertThat(fired).containsExactly("b");
    }

    @Test
    void aRequirementOfTheOtherFlavourNeverFiresAndDoesNotBreakThePublisher() {
        GtidSet mysql = GtidSet.parseMySql("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5");
        registry.publish("a", maria("0-1-1"));
        Waiter odd = registry.await(List.of("a"), mysql, DIRECT, fired::add);
        registry.await(List.of("a"), maria("0-1-2"), DIRECT, fired::add);
        registry.publish("a", maria("0-1-2"));
        assertThat(fired).containsExactly("a");
        assertThat(odd.cancel()).isTrue();
    }

    @Test
    void aRejectingOrThrowingCallbackDoesNotStopTheOthers() {
        registry.await(List.of("a"), maria("0-1-1"), r -> {
            throw new RejectedExecutionException("loop closed");
        }, fired::add);
        registry.await(List.of("a"), maria("0-1-1"), DIRECT, s -> {
            throw new IllegalStateException("bug in a callback");
        });
        registry.await(List.of("a"), maria("0-1-1"), DIRECT, fired::add);
        registry.publish("a", maria("0-1-1"));
        assertThat(fired).containsExactly("a");
        assertThat(registry.pending("a")).isZero();
    }

    @Test
    void listenersHearEveryPublication() {
        List<String> heard = new ArrayList<>();
        Consumer<String> listener = heard::add;
        registry.addListener(listener);
        registry.publish("a", maria("0-1-1"));
        registry.publish("b", maria("0-1-1"));
        registry.removeListener(listener);
        registry.publish("a", maria("0-1-2"));
        assertThat(heard).containsExactly("a", "b");
    }

    private static final String U = "3e11fa47-71ca-11e1-9e33-c80aa9429562";

    @Test
    void missingNamesAGtidTheServerLacks() {
        assertThat(WaiterRegistry.missing(maria("0-1-5,1-1-3"), maria("0-1-5,1-2-2"))).hasToString("1-1-3");
        assertThat(WaiterRegistry.missing(maria("0-1-5"), GtidSet.empty())).hasToString("0-1-5");
        assertThat(WaiterRegistry.missing(maria("0-1-5"), maria("0-2-5"))).isNull();
        GtidSet executed = GtidSet.parseMySql(U + ":1-4");
        assertThat(WaiterRegistry.missing(GtidSet.parseMySql(U + ":1-10"), executed)).hasToString(U + ":5");
        assertThat(WaiterRegistry.missing(GtidSet.parseMySql(U + ":1-4:etl:1-3"), executed)).hasToString(U + ":etl:1");
        assertThat(WaiterRegistry.missing(GtidSet.parseMySql(U + ":1-4"), executed)).isNull();
    }

    @Test
    void aMultiDomainRequirementWaitsForEveryDomain() {
        registry.publish("a", maria("0-1-1,1-1-1"));
        registry.await(List.of("a"), maria("0-1-5,1-1-5"), DIRECT, fired::add);
        registry.publish("a", maria("0-1-5,1-1-1"), Gtid.parse("0-1-5"));
        assertThat(fired).isEmpty();
        assertThat(registry.pending("a")).isOne();
        registry.publish("a", maria("0-1-5,1-1-4"), Gtid.parse("1-1-4"));
        assertThat(fired).isEmpty();
        registry.publish("a", maria("0-1-5,1-1-5"), Gtid.parse("1-1-5"));
        assertThat(fired).containsExactly("a");
        assertThat(registry.pending("a")).isZero();
    }

    @Test
    void aMariaDbPositionIsReachedByAnyLaterSequenceNumberInItsDomain() {
        registry.publish("a", maria("0-1-1"));
        registry.await(List.of("a"), maria("0-1-3"), DIRECT, fired::add);
        registry.publish("a", maria("0-1-1,2-1-9"), Gtid.parse("2-1-9"));
        assertThat(fired).isEmpty();
        // Through another primary (server 2), and past the exact number: the position is still reached.
        registry.publish("a", maria("0-2-7,2-1-9"), Gtid.parse("0-2-7"));
        assertThat(fired).containsExactly("a");
    }

    @Test
    void aMySqlWaiterIsNotMetByAGapAndIsMetWhenTheGapFills() {
        registry.publish("a", GtidSet.parseMySql(U + ":1-4"));
        registry.await(List.of("a"), GtidSet.parseMySql(U + ":1-6"), DIRECT, fired::add);
        registry.publish("a", GtidSet.parseMySql(U + ":1-4:6"), Gtid.parse(U + ":6"));
        assertThat(fired).isEmpty();
        registry.publish("a", GtidSet.parseMySql(U + ":1-6"), Gtid.parse(U + ":5"));
        assertThat(fired).containsExactly("a");
    }

    @Test
    void aWholeNewSetLooksAtEveryWaiter() {
        registry.await(List.of("a"), maria("0-1-3"), DIRECT, fired::add);
        registry.await(List.of("a"), maria("4-1-3"), DIRECT, fired::add);
        registry.await(List.of("a"), maria("4-1-30"), DIRECT, fired::add);
        registry.publish("a", maria("0-1-3,4-1-3"));
        assertThat(fired).containsExactly("a", "a");
        assertThat(registry.pending("a")).isOne();
    }

    /**
     * Registration racing publication: several threads register waiters for sequence numbers around the one being
     * published while a publisher advances two servers one transaction at a time. Every waiter whose requirement the
     * final sets contain must fire, exactly once, and none may stay registered.
     */
    @Test
    void noWaiterIsMissedOrFiredTwiceWhenRegistrationRacesPublication() throws Exception {
        int last = 5_000;
        int registrars = 3;
        int perRegistrar = 10_000;
        AtomicIntegerArray firings = new AtomicIntegerArray(registrars * perRegistrar);
        Set<Integer> cancelled = ConcurrentHashMap.newKeySet();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < registrars; r++) {
            int base = r * perRegistrar;
            threads.add(new Thread(() -> {
                await(go);
                for (int i = 0; i < perRegistrar; i++) {
                    int id = base + i;
                    long seq = Math.min(last, 1 + (long) i * last / perRegistrar + (id % 7));
                    List<String> servers = id % 3 == 0 ? List.of("a", "b") : List.of(id % 2 == 0 ? "a" : "b");
                    Waiter w = registry.await(servers, maria("0-1-" + seq), DIRECT, s -> firings.incrementAndGet(id));
                    if (id % 50 == 0 && w.cancel()) {
                        cancelled.add(id);
                    }
                }
            }, "registrar-" + r));
        }
        Thread publisher = new Thread(() -> {
            await(go);
            for (int seq = 1; seq <= last; seq++) {
                registry.publish("a", maria("0-1-" + seq), Gtid.parse("0-1-" + seq));
                registry.publish("b", maria("0-1-" + Math.max(1, seq - 3)));
            }
            registry.publish("b", maria("0-1-" + last));
        }, "publisher");
        threads.add(publisher);
        threads.forEach(Thread::start);
        go.countDown();
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(t.isAlive()).as(t.getName() + " finished").isFalse();
        }
        for (int id = 0; id < firings.length(); id++) {
            int expected = cancelled.contains(id) ? 0 : 1;
            assertThat(firings.get(id)).as("firings of waiter " + id).isEqualTo(expected);
        }
        assertThat(registry.pending("a")).isZero();
        assertThat(registry.pending("b")).isZero();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
    @Test
    void anAddedServerStartsUnknownAndItsWaitersFire() {
        registry.add("c");
        assertThat(registry.known("c")).isFalse();
        registry.await(List.of("c"), maria("0-1-5"), DIRECT, fired::add);
        registry.publish("c", maria("0-1-5"));
        assertThat(registry.known("c")).isTrue();
        assertThat(fired).containsExactly("c");
    }

    @Test
    void aRemovedServerIsForgottenAndALatePublicationForItIsDropped() {
        registry.publish("b", maria("0-1-3"));
        registry.await(List.of("a", "b"), maria("0-1-9"), DIRECT, fired::add);
        registry.remove("b");
        assertThat(registry.known("b")).isFalse();
        assertThat(registry.executed("b")).isEqualTo(GtidSet.empty());
        registry.publish("b", maria("0-1-9"));   // its follower, racing the removal
        assertThat(fired).isEmpty();
        assertThat(registry.known("b")).isFalse();
        // A waiter that also waited on a server that stays fires there.
        registry.publish("a", maria("0-1-9"));
        assertThat(fired).containsExactly("a");
    }
}
