package io.tunnel.core.link;

/**
 * How far the receive windows of one link's streams may grow, together, beyond their initial windows
 * ({@link LinkConstants#LINK_WINDOW_GROWTH_BUDGET} by default): a link buffers at most streams × initial window plus
 * this, however many streams were fast before their readers stalled. Confined to the link's event loop.
 */
final class WindowGrowthBudget {
    private long limit;
    private long used;

    WindowGrowthBudget(long limit) {
        this.limit = limit;
    }

    /** Takes {@code bytes} of growth; {@code false} (and nothing taken) if that would overdraw the budget. */
    boolean reserve(int bytes) {
        if (used + bytes > limit) {
            return false;
        }
        used += bytes;
        return true;
    }

    /** Gives back growth taken earlier (a stream ended). */
    void release(int bytes) {
        used -= bytes;
    }

    /** Growth taken by the link's streams, together. */
    long used() {
        return used;
    }

    /** Changes the limit; for links that must buffer less. */
    void limit(long bytes) {
        limit = bytes;
    }
}
