package io.tunnel.core.log;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.Logger;

/**
 * Keeps events that anyone on the network can cause (a refused TLS handshake, garbage on a port) from turning into a
 * log flood: per cause, the first event of each interval is logged in full by the caller, the others are only counted,
 * and at the end of the interval one summary line says how many there were.
 *
 * <pre>{@code
 * if (failures.admit(Cause.NOT_TLS)) {
 *     LOG.warn("connection from {} refused: not TLS", address);
 * }
 * }</pre>
 *
 * <p>Safe from any thread; an event costs one atomic increment and allocates nothing. {@link #scheduleReports} makes
 * the summaries happen; without it, {@link #reportSuppressed} must be called once per interval.
 *
 * @param <C> the causes, an enum whose {@code toString()} names the event in the summary line
 */
public final class RateLimitedLog<C extends Enum<C>> {
    private final Logger logger;
    private final Level level;
    private final C[] causes;
    private final Duration interval;
    private final AtomicLongArray counts;
    private volatile Consumer<C> counter = cause -> { };

    public RateLimitedLog(Logger logger, Level level, Class<C> causes, Duration interval) {
        this.logger = logger;
        this.level = level;
        this.causes = causes.getEnumConstants();
        this.interval = interval;
        this.counts = new AtomicLongArray(this.causes.length);
    }

    /** Counts an event; {@code true} if it is the first of {@code cause} in this interval, which the caller logs. */
    public boolean admit(C cause) {
        counter.accept(cause);
        return counts.getAndIncrement(cause.ordinal()) == 0;
    }

    /** Also tells {@code counter} of every event (a metric), logged or not; returns this log. */
    public RateLimitedLog<C> countingInto(Consumer<C> counter) {
        this.counter = counter;
        return this;
    }

    /** Logs one line per cause with events beyond the first in the interval now ending, and starts the next. */
    public void reportSuppressed() {
        for (int i = 0; i < causes.length; i++) {
            long count = counts.getAndSet(i, 0);
            if (count > 1) {
                logger.log(level, "{} more {} in the last {} s (only the first of each interval is logged)",
                        count - 1, causes[i], interval.toSeconds());
            }
        }
    }

    /** Runs {@link #reportSuppressed} once per interval on {@code executor} until the returned future is cancelled. */
    public ScheduledFuture<?> scheduleReports(ScheduledExecutorService executor) {
        long millis = interval.toMillis();
        return executor.scheduleAtFixedRate(this::reportSuppressed, millis, millis, TimeUnit.MILLISECONDS);
    }
}
