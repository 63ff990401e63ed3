package io.sluice.protocol.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fails a test class when Netty's leak detector reports a reference-counted object that was garbage collected
 * without being released. Netty on its own only logs such leaks, at ERROR, and only when it happens to poll; a build
 * that must stay leak-free needs the report to be a failure.
 *
 * <p>Installed in every test JVM of a module through JUnit's extension auto-detection: this module's test jar
 * registers it in {@code META-INF/services/org.junit.jupiter.api.extension.Extension}, and a module's
 * {@code junit-platform.properties} must say {@code junit.jupiter.extensions.autodetection.enabled=true}.
 *
 * <p>How it works: before any {@code ByteBuf} allocator exists it installs (once per JVM) a
 * {@link ResourceLeakDetectorFactory} whose detectors record every report in a static list instead of logging it,
 * and raises the level to {@code PARANOID} (the build sets it already; this covers a run from an IDE). After each
 * test class it forces a collection and allocates and releases a few pooled buffers, which makes the detectors poll
 * their reference queues, then fails if anything was recorded, printing the access records.
 *
 * <p>A leak is reported only once its buffer is unreachable, so a buffer held by a static field or a live channel
 * is not caught; and if the collector is slow, a leak may surface in the class after the one that caused it. The
 * records name the allocation and last access sites, which is what matters.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {

    /** One leak report: the resource type ("ByteBuf", ...) and Netty's access records (empty when untraced). */
    public record Leak(String resourceType, String records) {
        @Override
        public String toString() {
            return "LEAK of " + resourceType + (records.isEmpty() ? " (untraced)" : ":" + records);
        }
    }

    private static final List<Leak> LEAKS = new ArrayList<>();
    /** Resource types for which this JVM's detectors came from our factory. */
    private static final Set<String> RECORDING = ConcurrentHashMap.newKeySet();

    static {
        install();
    }

    private static void install() {
        if (ResourceLeakDetector.getLevel().ordinal() < ResourceLeakDetector.Level.PARANOID.ordinal()) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        }
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
        // Allocators take their detector once, in a static initializer. Forcing that now, and checking it was ours,
        // turns a silently blind leak check (something allocated a buffer before this class loaded) into an error.
        PooledByteBufAllocator.DEFAULT.buffer(1).release();
        if (!RECORDING.contains(ByteBuf.class.getSimpleName())) {
            throw new IllegalStateException("a ByteBuf allocator was initialized before LeakCheck installed its leak "
                    + "detector factory; leaks would go unreported. Is extension auto-detection enabled?");
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // Nothing to do: loading this class installed the factory. Declared so the class is loaded before the first
        // test of the first class runs, and any leak from before (static initializers) is not blamed on a test.
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<Leak> leaks = detect();
        if (!leaks.isEmpty()) {
            clear();
            StringBuilder sb = new StringBuilder();
            sb.append(leaks.size()).append(" Netty resource leak(s) detected after ")
                    .append(context.getDisplayName()).append(" (the allocation may be in an earlier class):");
            for (Leak leak : leaks) {
                sb.append("\n\n").append(leak);
            }
            throw new AssertionError(sb.toString());
        }
    }

    /**
     * Makes the detectors poll now and returns every leak recorded so far (without clearing them). Collects
     * garbage, waits until the reference handler has enqueued what that collection found, then allocates so that
     * the detectors drain their queues; twice, because one collection does not always find everything.
     */
    public static List<Leak> detect() {
        for (int round = 0; round < 2; round++) {
            awaitCollection();
            for (int i = 0; i < 4; i++) {
                PooledByteBufAllocator.DEFAULT.heapBuffer(16).release();
                PooledByteBufAllocator.DEFAULT.directBuffer(16).release();
                PooledByteBufAllocator.DEFAULT.compositeBuffer().release();
            }
        }
        synchronized (LEAKS) {
            return List.copyOf(LEAKS);
        }
    }

    /** Forgets recorded leaks: for a test that leaks on purpose and has asserted the leak was caught. */
    public static void clear() {
        synchronized (LEAKS) {
            LEAKS.clear();
        }
    }

    private static void awaitCollection() {
        ReferenceQueue<Object> queue = new ReferenceQueue<>();
        WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
        for (int i = 0; i < 10; i++) {
            System.gc();
            try {
                if (queue.remove(100) != null) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (sentinel.get() != null) {
            throw new IllegalStateException("System.gc() did not collect; leak detection needs it (-XX:+DisableExplicitGC?)");
        }
    }

    private static void record(Leak leak) {
        synchronized (LEAKS) {
            LEAKS.add(leak);
        }
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                   long maxActive) {
            return newResourceLeakDetector(resource, samplingInterval);
        }

        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
            RECORDING.add(resource.getSimpleName());
            return new RecordingDetector<>(resource, samplingInterval);
        }
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        RecordingDetector(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
        }

        /** Netty asks this before reporting; the default is "is ERROR logging on", which must not decide a build. */
        @Override
        protected boolean needReport() {
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            record(new Leak(resourceType, records));
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            record(new Leak(resourceType, ""));
        }
    }
}
