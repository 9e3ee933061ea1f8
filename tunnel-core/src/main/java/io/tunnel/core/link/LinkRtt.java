package io.tunnel.core.link;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The round-trip time of one link, sampled while DATA arrives, for deciding when a stream's receive window limits its
 * throughput. The sample is the kernel's own estimate where the transport exposes it (epoll's {@code TCP_INFO}: it
 * leaves out the time data waits for the application at either end); elsewhere a PING/PONG probe, which waits behind
 * the peer's queued data when the link is busy. Either way the estimate is the smallest sample of the last
 * {@link #MIN_FILTER_NANOS} (the min-RTT filter of BBR): it follows the path, not the queues. One probe is in flight
 * at a time, and a sample is taken at most once per {@link #PROBE_INTERVAL_NANOS}.
 *
 * <p>Window arithmetic: a sender with window {@code W} and rate {@code r} runs out of credit before the update sent
 * at half-window reaches it when {@code W/2 < r * rtt}, that is when half a window drains in less than one RTT.
 * {@link #growthIntervalNanos()} is that bound, with a factor of two for the update's own delays. Confined to the
 * link's event loop.
 */
final class LinkRtt {
    static final long PROBE_INTERVAL_NANOS = 1_000_000_000L;
    static final long MIN_FILTER_NANOS = 10_000_000_000L;

    private long probePayload;
    private long probeSentNanos;
    private boolean probing;
    private long minRttNanos = -1;
    private long minRttAtNanos;
    private long sampledAtNanos;

    /** Whether a probe should go out now: none in flight, and no sample yet or the last one is old. */
    boolean shouldProbe(long nowNanos) {
        return !probing && (minRttNanos < 0 || nowNanos - sampledAtNanos >= PROBE_INTERVAL_NANOS);
    }

    /** Starts a probe; returns the PING payload to send. */
    long startProbe(long nowNanos) {
        probing = true;
        probeSentNanos = nowNanos;
        probePayload = ThreadLocalRandom.current().nextLong();
        return probePayload;
    }

    /** A PONG arrived; a keep-alive's PONG (another payload) is not a sample. */
    void onPong(long payload, long nowNanos) {
        if (probing && payload == probePayload) {
            probing = false;
            record(nowNanos - probeSentNanos, nowNanos);
        }
    }

    void record(long rttNanos, long nowNanos) {
        sampledAtNanos = nowNanos;
        if (minRttNanos < 0 || rttNanos <= minRttNanos || nowNanos - minRttAtNanos > MIN_FILTER_NANOS) {
            minRttNanos = rttNanos;
            minRttAtNanos = nowNanos;
        }
    }

    /** The smallest recent round trip, or -1 before the first sample. */
    long minRttNanos() {
        return minRttNanos;
    }

    /**
     * A window whose half drained faster than this is what limits its stream: twice the RTT, or
     * {@link LinkConstants#WINDOW_GROWTH_NANOS} before the first sample.
     */
    long growthIntervalNanos() {
        return minRttNanos < 0 ? LinkConstants.WINDOW_GROWTH_NANOS : 2 * minRttNanos;
    }
}
