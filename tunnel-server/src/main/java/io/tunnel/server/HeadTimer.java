package io.tunnel.server;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The time a frontend client has to send a complete request head ({@code --header-timeout}): armed when a head is
 * awaited, cancelled when it came. Confined to the connection's event loop.
 */
final class HeadTimer {
    private final Duration timeout;
    private final Runnable onTimeout;
    private ScheduledFuture<?> pending;

    /** @param onTimeout run on the loop if the head did not come in time */
    HeadTimer(Duration timeout, Runnable onTimeout) {
        this.timeout = timeout;
        this.onTimeout = onTimeout;
    }

    /** Starts (or restarts) the wait for a head. */
    void arm(EventExecutor loop) {
        cancel();
        pending = loop.schedule(() -> {
            pending = null;
            onTimeout.run();
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The head came, or the connection is gone. */
    void cancel() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    /** The timeout in milliseconds, for the answer that says it ran out. */
    long millis() {
        return timeout.toMillis();
    }
}
