package io.tunnel.core.testing;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakTracker;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link ResourceLeakDetector} that remembers every leak it reports, so that {@link LeakCheckExtension} can fail
 * the test class that leaked. Installed for every test JVM by the parent pom:
 * {@code -Dio.netty.customResourceLeakDetector=io.tunnel.core.testing.RecordingLeakDetector}.
 *
 * <p>Netty's {@code DefaultResourceLeakDetectorFactory} instantiates the class named by that property through its
 * public {@code (Class, int)} constructor (the {@code (Class, int, long)} one is the obsolete variant, still looked up
 * by the deprecated factory method). One detector exists per tracked resource type ({@code ByteBuf}, timers, ...).
 *
 * <p>Besides real leaks, {@link LeakCheckExtension} plants <em>canaries</em>: tracked objects dropped on purpose and
 * marked with a hint. A canary's report proves that a GC has run and that the detector has polled its queue since
 * the canary was dropped; canaries are never recorded as leaks.
 *
 * <p>The static state is test-only: a detector is created by Netty through reflection, so there is nothing to pass
 * it to.
 */
public class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {
    /** One reported leak: the resource type and Netty's access records ({@code ""} when the leak was untraced). */
    public record Leak(String resourceType, String records) {
        @Override
        public String toString() {
            return records.isEmpty()
                    ? "LEAK: " + resourceType + " was not released (untraced; run with paranoid leak detection)"
                    : "LEAK: " + resourceType + " was not released." + records;
        }
    }

    static final String CANARY_HINT_PREFIX = "io.tunnel.core.testing.LeakCheckExtension canary ";

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(RecordingLeakDetector.class);
    /** Probe object that stays reachable; tracking and closing it makes a detector poll its reference queue. */
    private static final Object PROBE = new Object();

    private static final List<Leak> LEAKS = new ArrayList<>();
    private static final Set<RecordingLeakDetector<?>> INSTANCES = ConcurrentHashMap.newKeySet();
    private static final Set<String> SEEN_CANARIES = ConcurrentHashMap.newKeySet();

    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
        INSTANCES.add(this);
    }

    /** The constructor the obsolete {@code newResourceLeakDetector(Class, int, long)} looks for. */
    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        this(resourceType, samplingInterval);
    }

    /** Always report, whatever the logging configuration says (Netty reports only if ERROR is enabled). */
    @Override
    protected boolean needReport() {
        return true;
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        int canary = records.indexOf(CANARY_HINT_PREFIX);
        if (canary >= 0) {
            int end = records.indexOf('\n', canary);
            SEEN_CANARIES.add(records.substring(canary, end < 0 ? records.length() : end).strip());
            return;
        }
        record(new Leak(resourceType, records));
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        record(new Leak(resourceType, ""));
    }

    private static void record(Leak leak) {
        logger.error("{}", leak);
        synchronized (LEAKS) {
            LEAKS.add(leak);
        }
    }

    /** {@code true} once Netty has created at least one detector of this class. */
    public static boolean isInstalled() {
        return !INSTANCES.isEmpty();
    }

    /** The leaks recorded so far, without clearing them. */
    public static List<Leak> leaks() {
        synchronized (LEAKS) {
            return List.copyOf(LEAKS);
        }
    }

    /** Returns and forgets the leaks recorded so far. */
    public static List<Leak> drainLeaks() {
        synchronized (LEAKS) {
            List<Leak> copy = List.copyOf(LEAKS);
            LEAKS.clear();
            return copy;
        }
    }

    /**
     * Drops one tracked, never-closed object per detector, each marked with a hint naming {@code id}.
     *
     * @return the hints planted; each shows up in {@link #canarySeen(String)} once reported
     */
    @SuppressWarnings("unchecked")
    static List<String> plantCanaries(String id) {
        List<String> hints = new ArrayList<>();
        int i = 0;
        for (RecordingLeakDetector<?> detector : INSTANCES) {
            String hint = CANARY_HINT_PREFIX + id + '/' + i++;
            ResourceLeakTracker<Object> tracker = ((ResourceLeakDetector<Object>) detector).trackForcibly(new Object());
            tracker.record(hint);
            hints.add(hint);
        }
        return hints;
    }

    static boolean canarySeen(String hint) {
        return SEEN_CANARIES.remove(hint);
    }

    /** Makes every detector poll its reference queue now (Netty polls only when it tracks a new object). */
    @SuppressWarnings("unchecked")
    static void pollAll() {
        for (RecordingLeakDetector<?> detector : INSTANCES) {
            ResourceLeakTracker<Object> tracker = ((ResourceLeakDetector<Object>) detector).trackForcibly(PROBE);
            tracker.close(PROBE);
        }
    }
}
