package io.tunnel.core.link;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Watches the streams of one link whose socket input ended while their output is still open: a reset of such a
 * socket goes unnoticed until the stream writes to it (epoll reports nothing more on it), and the other side may
 * stay silent for long. While any is watched, each is checked every {@link LinkConstants#HALF_CLOSED_PROBE_MILLIS}
 * and reset if its socket was. Confined to the link's event loop.
 */
final class HalfClosedProbe {
    private final EventLoop loop;
    private final List<TunnelStream> watched = new ArrayList<>();
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

    private void probe() {
        // A stream reset here leaves this list alone: its socket's close is heard of in a later task.
        watched.removeIf(stream -> !stream.probeHalfClosedSocket());
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
