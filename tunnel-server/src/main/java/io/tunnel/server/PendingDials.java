package io.tunnel.server;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The DIALs of one agent link still waiting for their answer, and what their silence says about the link. A frozen
 * agent (stopped process, dead host behind a live NAT) reads nothing and answers nothing, yet keep-alive takes
 * {@code --keepalive-timeout} (30 s) to notice; meanwhile every CONNECT sent to it waits for the dial timeout. So:
 * <ol>
 *   <li>a DIAL unanswered for {@link #DIAL_SILENCE_MILLIS} makes the server PING the link;</li>
 *   <li>nothing at all read from the link within {@link #PROBE_TIMEOUT_MILLIS} of that PING makes the link
 *   <em>suspect</em>: the router gives it no new stream, and the {@link Host} moves its pending dials elsewhere;</li>
 *   <li>anything read from it afterwards clears the suspicion.</li>
 * </ol>
 * A PING that was answered vouches for the DIALs sent before it: a slow destination makes one probe, not one per
 * second. Confined to the link's event loop, except {@link #isSuspect()}, which is published for any thread.
 *
 * @param <D> a pending dial
 */
final class PendingDials<D extends PendingDials.Dial> {
    /** A DIAL unanswered this long makes the server PING its link. */
    static final long DIAL_SILENCE_MILLIS = 1_000;
    /** After that PING, this long without reading anything from the link makes it suspect. */
    static final long PROBE_TIMEOUT_MILLIS = 1_000;

    /** A DIAL waiting for its answer. */
    interface Dial {
        /** When the DIAL was written, on the link loop's ticker. */
        long sentNanos();
    }

    /** The link's side of the probe. */
    interface Host<D> {
        /** Writes and flushes a PING. */
        void ping();

        /** The link just became suspect; {@code pending} are its dials still waiting, oldest first. */
        void becameSuspect(List<D> pending);

        /** A suspect link was heard from again. */
        void recovered();
    }

    private final EventLoop loop;
    private final Host<D> host;
    /** In the order the DIALs were sent, which is the order of their {@link Dial#sentNanos()}. */
    private final LinkedHashSet<D> dials = new LinkedHashSet<>();
    private ScheduledFuture<?> watch;
    private ScheduledFuture<?> probeTimeout;
    private boolean probing;
    private long probeSentNanos;
    /** DIALs sent up to here were read by the agent: a PING sent after them was answered. */
    private long vouchedNanos;
    private boolean stopped;
    // Written on the link's loop, read by the router on frontend loops.
    private volatile boolean suspect;

    PendingDials(EventLoop loop, Host<D> host) {
        this.loop = loop;
        this.host = host;
        this.vouchedNanos = now() - 1;
    }

    long now() {
        return loop.ticker().nanoTime();
    }

    /** A DIAL was sent. */
    void add(D dial) {
        dials.add(dial);
        arm();
    }

    /** A DIAL was answered, failed or withdrawn; {@code false} if it was not pending. */
    boolean remove(D dial) {
        return dials.remove(dial);
    }

    int size() {
        return dials.size();
    }

    /** Whether the link is suspect: it gets no new streams. Any thread. */
    boolean isSuspect() {
        return suspect;
    }

    /** Something was read from the link: it is alive. */
    void readFromLink() {
        if (!probing) {
            return;
        }
        probing = false;
        vouchedNanos = probeSentNanos;
        cancel(probeTimeout);
        probeTimeout = null;
        if (suspect) {
            suspect = false;
            host.recovered();
        }
        arm();
    }

    /** The link is gone: no more timers. */
    void stop() {
        stopped = true;
        cancel(watch);
        cancel(probeTimeout);
        watch = null;
        probeTimeout = null;
        dials.clear();
    }

    /** Schedules the check of the oldest DIAL no PING vouched for, unless one is scheduled or a probe runs. */
    private void arm() {
        if (watch != null || probing || stopped) {
            return;
        }
        D oldest = oldestUnvouched();
        if (oldest != null) {
            long due = oldest.sentNanos() + TimeUnit.MILLISECONDS.toNanos(DIAL_SILENCE_MILLIS) - now();
            watch = loop.schedule(this::check, Math.max(0, due), TimeUnit.NANOSECONDS);
        }
    }

    private D oldestUnvouched() {
        for (D dial : dials) {
            if (dial.sentNanos() > vouchedNanos) {
                return dial;
            }
        }
        return null;
    }

    private void check() {
        watch = null;
        D oldest = oldestUnvouched();
        if (oldest == null || probing || stopped) {
            return;
        }
        if (now() - oldest.sentNanos() < TimeUnit.MILLISECONDS.toNanos(DIAL_SILENCE_MILLIS)) {
            arm();
            return;
        }
        probing = true;
        probeSentNanos = now();
        host.ping();
        probeTimeout = loop.schedule(this::probeTimedOut, PROBE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void probeTimedOut() {
        probeTimeout = null;
        if (probing && !stopped) {
            suspect = true; // until something is read; no further probe is needed to tell
            host.becameSuspect(new ArrayList<>(dials));
        }
    }

    private static void cancel(ScheduledFuture<?> future) {
        if (future != null) {
            future.cancel(false);
        }
    }
}
