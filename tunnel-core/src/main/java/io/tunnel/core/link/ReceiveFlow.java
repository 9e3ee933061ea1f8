package io.tunnel.core.link;

/**
 * Link → socket flow control of one stream (what Netty's HTTP/2 code calls the local flow controller): the peer may
 * send only within the credit granted; credit comes back with WINDOW_UPDATE only after bytes were written to the
 * socket, in updates of at least half a window. A window whose half drained within the link's growth interval
 * (about a round trip, see {@link LinkRtt}) is doubled, up to {@link LinkConstants#MAX_STREAM_WINDOW}, while the
 * link's {@link WindowGrowthBudget} lasts; {@link #release()} gives the growth back.
 *
 * <p>Also tracks the peer's CLOSE and the socket writes still in flight, which together decide when the socket's
 * output may be shut down. Confined to the link's event loop.
 */
final class ReceiveFlow {
    private final int initialWindow;
    private final WindowGrowthBudget budget;
    private int window;
    private int credit;
    private int unacked;
    private long lastUpdateNanos;
    private int writesInFlight;
    private long bytes;
    private boolean closeReceived;
    private boolean outputShut;

    ReceiveFlow(int initialWindow, WindowGrowthBudget budget, long nowNanos) {
        this.initialWindow = initialWindow;
        this.budget = budget;
        this.window = initialWindow;
        this.credit = initialWindow;
        this.lastUpdateNanos = nowNanos;
    }

    /**
     * DATA of {@code len} bytes arrived and is about to be written to the socket.
     *
     * @return {@code false} if it goes beyond the credit granted (nothing counted then)
     */
    boolean onData(int len) {
        if (len > credit) {
            return false;
        }
        credit -= len;
        bytes += len;
        writesInFlight++;
        return true;
    }

    /** A write to the socket completed or failed: it is no longer in flight. */
    void writeDone() {
        writesInFlight--;
    }

    /**
     * {@code len} bytes reached the socket; returns the WINDOW_UPDATE increment to send now, or 0. No credit is
     * returned once the peer closed its side: it sends nothing more.
     *
     * @param growthIntervalNanos a window whose half drained faster than this grows
     */
    int acknowledge(int len, long nowNanos, long growthIntervalNanos) {
        unacked += len;
        if (closeReceived || unacked < window / 2) {
            return 0;
        }
        int increment = unacked;
        if (window < LinkConstants.MAX_STREAM_WINDOW && nowNanos - lastUpdateNanos < growthIntervalNanos) {
            // Half the window drained within about a round trip: the window, not the network, is the limit.
            int growth = Math.min(window, LinkConstants.MAX_STREAM_WINDOW - window);
            if (budget.reserve(growth)) {
                window += growth;
                increment += growth;
            }
        }
        lastUpdateNanos = nowNanos;
        unacked = 0;
        credit += increment;
        return increment;
    }

    /**
     * The peer sent CLOSE.
     *
     * @return {@code false} if it already had (a second CLOSE)
     */
    boolean onClose() {
        if (closeReceived) {
            return false;
        }
        closeReceived = true;
        return true;
    }

    boolean closeReceived() {
        return closeReceived;
    }

    /** Whether the socket's output should be shut down now: CLOSE received, every write done, not shut yet. */
    boolean shouldShutdownOutput() {
        return closeReceived && writesInFlight == 0 && !outputShut;
    }

    void outputShut() {
        outputShut = true;
    }

    boolean isOutputShut() {
        return outputShut;
    }

    /** The window currently granted to the peer. */
    int window() {
        return window;
    }

    /** Bytes received and handed to the socket. */
    long bytes() {
        return bytes;
    }

    /** Gives the window's growth back to the link's budget; the stream ended. */
    void release() {
        budget.release(window - initialWindow);
        window = initialWindow;
    }
}
