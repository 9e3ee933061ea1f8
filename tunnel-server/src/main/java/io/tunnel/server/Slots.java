package io.tunnel.server;

import java.util.concurrent.atomic.AtomicInteger;

/** A number of things in use that may not pass a maximum; safe from any thread, allocates nothing. */
final class Slots {
    private final int max;
    private final AtomicInteger used = new AtomicInteger();

    Slots(int max) {
        this.max = max;
    }

    /** Takes a slot if one is free; {@code true} if it did, and the caller then {@link #release}s it once. */
    boolean tryAcquire() {
        while (true) {
            int n = used.get();
            if (n >= max) {
                return false;
            }
            if (used.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void release() {
        used.decrementAndGet();
    }

    int used() {
        return used.get();
    }

    int max() {
        return max;
    }
}
