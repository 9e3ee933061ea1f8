package io.tunnel.core.link;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Watches the streams of one link whose socket input ended while their output is still open: a reset of such a
 * socket goes unnoticed until the stream writes to it (epoll reports nothing more on it), and the other side may
 * stay silent for long. While any is watched, each is checked every {@link LinkConstants#HALF_CLOSED_PROBE_MILLIS}
 * and reset if its socket was. A stream that ends is forgotten at once, not at the next check: on an agent whose
 * destinations close first (every {@code Connection: close} response) almost every stream is watched for a moment,
 * and holding the ended ones (each with its socket's channel and pipeline) until the next check kept thousands alive
 * into the old generation under churn. Confined to the link's event loop.
 */
final class HalfClosedProbe {
    private final EventLoop loop;
    private final Set<TunnelStream> watched = new HashSet<>(); // identity: TunnelStream keeps Object's equals
    private ScheduledFuture<?> task;

    HalfClosedProbe(EventLoop loop) {
        this.loop = loop;
    }

    void watch(TunnelStream stream) {
        watched.add(stream);
        if (task == null) {
            task = loop.scheduleWithFixedDelay(this::probe, LinkConstants.HALF_CLOSED_PROBE_MILLIS,
                    LinkConstants.HALF_CLOSED_PROBE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Forgets a stream that ended; the check stops by itself once nothing is watched. */
    void unwatch(TunnelStream stream) {
        watched.remove(stream);
    }

    /** How many streams are watched, for tests. */
    int watchedCount() {
        return watched.size();
    }

    private void probe() {
        // Over a copy: a stream reset here ends, and an ended stream unwatches itself.
        for (TunnelStream stream : watched.toArray(new TunnelStream[0])) {
            if (!stream.probeHalfClosedSocket()) {
                watched.remove(stream);
            }
        }
        if (watched.isEmpty()) {
            stop();
        }
    }

    /** Stops watching; the link is gone. */
    void stop() {
        watched.clear();
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }
}
