package io.tunnel.core.link;

import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelProtocolException;

/**
 * The token buckets of one link's {@link FloodLimit}s, as the generic cell rate algorithm: per limit, one
 * theoretical arrival time instead of a token count and a refill timer. Confined to the link's event loop.
 */
final class LinkFloodGuard {
    private static final double NANOS_PER_SECOND = 1e9;

    private final long[] emissionNanos = new long[FloodLimit.values().length];
    private final long[] toleranceNanos = new long[emissionNanos.length];
    private final long[] arrivalNanos = new long[emissionNanos.length];

    /**
     * @param peerKeepaliveMillis the keepalive interval the peer announced (its own PING rate)
     * @param nowNanos the link loop's clock now: every bucket starts full
     */
    LinkFloodGuard(int peerKeepaliveMillis, long nowNanos) {
        for (FloodLimit limit : FloodLimit.values()) {
            double rate = limit == FloodLimit.PING ? FloodLimit.pingsPerSecond(peerKeepaliveMillis)
                    : limit.perSecond();
            int i = limit.ordinal();
            emissionNanos[i] = Math.max(1, (long) (NANOS_PER_SECOND / rate));
            toleranceNanos[i] = emissionNanos[i] * limit.burst();
            arrivalNanos[i] = nowNanos;
        }
    }

    /**
     * Takes a token for one frame of {@code limit}.
     *
     * @throws TunnelProtocolException a connection error {@code ENHANCE_YOUR_CALM} if the bucket is empty
     */
    void charge(FloodLimit limit, long nowNanos) {
        int i = limit.ordinal();
        long arrival = Math.max(arrivalNanos[i], nowNanos) + emissionNanos[i];
        if (arrival - nowNanos > toleranceNanos[i]) {
            throw TunnelProtocolException.connectionError(TunnelErrorCode.ENHANCE_YOUR_CALM, limit
                    + " flood: more than " + limit.burst() + " frames at once or " + limit.perSecond() + " a second");
        }
        arrivalNanos[i] = arrival;
    }

    /** Gives {@code limit} {@code tokens} back, never more than its burst. */
    void credit(FloodLimit limit, int tokens, long nowNanos) {
        int i = limit.ordinal();
        arrivalNanos[i] = Math.max(arrivalNanos[i] - tokens * emissionNanos[i], nowNanos);
    }
}
