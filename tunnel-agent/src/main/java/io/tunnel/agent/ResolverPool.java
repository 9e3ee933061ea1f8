package io.tunnel.agent;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that resolve destination names (the system resolver blocks, so never on an event loop): a thread is
 * made only when every existing one is busy, up to {@code maxThreads}; beyond that, lookups wait in a queue of
 * {@code maxQueued}, and one more is refused. A plain {@link ThreadPoolExecutor} with a core size makes a new thread
 * for each task until it has them all, even when the lookups come one at a time; this one keeps as many threads as
 * lookups run at once, and lets an idle thread go after {@value #IDLE_SECONDS} s.
 */
final class ResolverPool extends ThreadPoolExecutor {
    static final long IDLE_SECONDS = 60;

    /** Lookups handed to the pool and not finished: running, or waiting for a thread (one just made, too). */
    private final AtomicInteger inFlight = new AtomicInteger();

    ResolverPool(int maxThreads, int maxQueued) {
        this(maxThreads, new ScalingQueue(maxQueued));
    }

    private ResolverPool(int maxThreads, ScalingQueue queue) {
        super(0, maxThreads, IDLE_SECONDS, TimeUnit.SECONDS, queue, new DefaultThreadFactory("agent-resolver", true),
                (task, pool) -> {
                    // A new thread was wanted but the maximum was reached meanwhile: wait in the queue after all.
                    if (!queue.enqueue(task)) {
                        throw new RejectedExecutionException("resolver queue full");
                    }
                });
        queue.pool = this;
    }

    @Override
    public void execute(Runnable task) {
        inFlight.incrementAndGet();
        try {
            super.execute(task);
        } catch (RejectedExecutionException e) {
            inFlight.decrementAndGet();
            throw e;
        }
    }

    @Override
    protected void afterExecute(Runnable task, Throwable failure) {
        inFlight.decrementAndGet();
    }

    /** {@code true} while more lookups are in flight than there are threads, and another thread may be made. */
    private boolean wantsThread() {
        int threads = getPoolSize();
        return threads < getMaximumPoolSize() && inFlight.get() > threads;
    }

    /** Declines a task while a new thread may still be made and none is idle, so that the pool makes one. */
    private static final class ScalingQueue extends LinkedBlockingQueue<Runnable> {
        private static final long serialVersionUID = 1L;
        private final int capacity;
        private transient ResolverPool pool;

        ScalingQueue(int capacity) {
            this.capacity = capacity;
        }

        @Override
        public boolean offer(Runnable task) {
            if (pool.wantsThread()) {
                return false;
            }
            return enqueue(task);
        }

        boolean enqueue(Runnable task) {
            return size() < capacity && super.offer(task);
        }
    }
}
