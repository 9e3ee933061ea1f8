package io.tunnel.core.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reported a resource leak while it ran (or before, if not yet blamed on anyone).
 *
 * <p>Registered through {@code META-INF/services/org.junit.jupiter.api.extension.Extension} in the tunnel-common
 * test-jar and applied to every test class by {@code junit.jupiter.extensions.autodetection.enabled=true}; it
 * relies on {@link RecordingLeakDetector} being installed with paranoid leak detection (both set by the parent
 * pom). After all tests and {@code @AfterAll} methods of a class it forces detection: leaked objects are only
 * reported once the GC has collected them <em>and</em> a detector of the same resource type tracks a new object.
 * So it plants one canary per detector, then runs GC + allocations until every canary has been reported (bounded
 * by {@link #DETECTION_TIMEOUT}), and fails with every leak recorded. The record is cleared after each check, so a
 * leak fails one class.
 */
public final class LeakCheckExtension implements BeforeAllCallback, AfterAllCallback {
    /** Upper bound for one detection run; usually one GC round is enough. */
    static final Duration DETECTION_TIMEOUT = Duration.ofSeconds(2);

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(LeakCheckExtension.class);
    private static final String DETECTOR_PROPERTY = "io.netty.customResourceLeakDetector";
    private static final AtomicLong CHECKS = new AtomicLong();
    private static final AtomicBoolean WARNED = new AtomicBoolean();
    private static final Set<Class<?>> APPLIED_TO = ConcurrentHashMap.newKeySet();

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getTestClass().ifPresent(APPLIED_TO::add);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        verifyNoLeaks();
    }

    /** {@code true} if JUnit applied this extension to {@code testClass} (proves autodetection works). */
    public static boolean appliedTo(Class<?> testClass) {
        return APPLIED_TO.contains(testClass);
    }

    /**
     * Forces leak detection and throws an {@link AssertionError} listing every leak recorded so far; the record is
     * cleared either way.
     */
    public static void verifyNoLeaks() {
        List<RecordingLeakDetector.Leak> leaks = detectLeaks();
        if (leaks.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder()
                .append(leaks.size()).append(" Netty resource leak(s) reported (io.netty.leakDetection.level=")
                .append(ResourceLeakDetector.getLevel()).append("):");
        for (int i = 0; i < leaks.size(); i++) {
            message.append("\n\n#").append(i + 1).append(' ').append(leaks.get(i));
        }
        throw new AssertionError(message.toString());
    }

    /** Forces leak detection and returns (and clears) what was recorded, without failing. */
    public static List<RecordingLeakDetector.Leak> detectLeaks() {
        allocateAndRelease(); // makes sure the ByteBuf detector exists before canaries are planted
        if (!RecordingLeakDetector.isInstalled()) {
            if (System.getProperty(DETECTOR_PROPERTY, "").equals(RecordingLeakDetector.class.getName())) {
                throw new AssertionError(DETECTOR_PROPERTY + " names " + RecordingLeakDetector.class.getName()
                        + " but Netty did not install it (is it on the system class path?)");
            }
            if (WARNED.compareAndSet(false, true)) {
                logger.warn("Leak checks are off: run with -D{}={} -Dio.netty.leakDetection.level=paranoid",
                        DETECTOR_PROPERTY, RecordingLeakDetector.class.getName());
            }
            return List.of();
        }
        Set<String> pending = new HashSet<>(RecordingLeakDetector.plantCanaries(
                Long.toString(CHECKS.incrementAndGet())));
        long deadline = System.nanoTime() + DETECTION_TIMEOUT.toNanos();
        int rounds = 0;
        while (!pending.isEmpty()) {
            System.gc();
            allocateAndRelease();
            RecordingLeakDetector.pollAll();
            pending.removeIf(RecordingLeakDetector::canarySeen);
            rounds++;
            if (pending.isEmpty()) {
                break;
            }
            if (System.nanoTime() - deadline > 0) {
                logger.warn("Leak check incomplete after {} rounds: GC did not collect the canaries {}", rounds,
                        pending);
                break;
            }
            pause(10 * Math.min(rounds, 10));
        }
        // Objects that died with the canaries may sit in the reference queue right behind them: one more round.
        System.gc();
        allocateAndRelease();
        RecordingLeakDetector.pollAll();
        return RecordingLeakDetector.drainLeaks();
    }

    /**
     * Allocates and releases tracked buffers of each kind: a ByteBuf detector reports collected leaks only when it
     * tracks a new buffer.
     */
    private static void allocateAndRelease() {
        release(PooledByteBufAllocator.DEFAULT.directBuffer(16));
        release(PooledByteBufAllocator.DEFAULT.heapBuffer(16));
        release(UnpooledByteBufAllocator.DEFAULT.directBuffer(16));
        release(UnpooledByteBufAllocator.DEFAULT.heapBuffer(16));
        release(ByteBufAllocator.DEFAULT.buffer(16));
    }

    private static void release(ByteBuf buf) {
        buf.writeByte(0);
        buf.release();
    }

    private static void pause(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for leak detection", e);
        }
    }
}
