package io.tunnel.agent;

import java.util.function.DoubleSupplier;

/**
 * The delays of the agent's sync loop, as Konnectivity's agent computes them: {@code --sync-interval} at first and
 * after every success, × {@value #FACTOR} after each failure up to {@code --sync-interval-cap}, each delay lengthened
 * by up to {@value #JITTER} of itself at random so that agents restarted together spread out.
 */
final class SyncBackoff {
    static final double FACTOR = 1.5;
    static final double JITTER = 0.1;

    private final long initialMillis;
    private final long capMillis;
    private final DoubleSupplier random;
    private long millis;

    /** @param random uniform in [0, 1) */
    SyncBackoff(long initialMillis, long capMillis, DoubleSupplier random) {
        this.initialMillis = initialMillis;
        this.capMillis = capMillis;
        this.random = random;
        this.millis = initialMillis;
    }

    /** The delay after a failure: the current one, which then grows. */
    long step() {
        long delay = jittered(millis);
        millis = Math.min((long) (millis * FACTOR), capMillis);
        return delay;
    }

    /** The current delay, which stays. */
    long current() {
        return jittered(millis);
    }

    /** Back to the first delay, after a success. */
    void reset() {
        millis = initialMillis;
    }

    private long jittered(long delay) {
        return delay + (long) (delay * JITTER * random.getAsDouble());
    }
}
