package io.tunnel.server;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * An executor whose tasks wait until the test runs them ({@link #runAll}), on the test's thread: what was handed to it
 * did not run where it was handed over. Holds at most {@code capacity} tasks, then rejects, as a bounded pool does.
 */
final class ManualExecutor extends AbstractExecutorService {
    private final Queue<Runnable> tasks = new ArrayDeque<>();
    private final int capacity;
    private boolean shutdown;

    ManualExecutor() {
        this(Integer.MAX_VALUE);
    }

    ManualExecutor(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public void execute(Runnable task) {
        if (shutdown || tasks.size() >= capacity) {
            throw new RejectedExecutionException("full or shut down");
        }
        tasks.add(task);
    }

    /** Tasks waiting. */
    int pending() {
        return tasks.size();
    }

    /** Runs every task waiting, and those they add; returns how many ran. */
    int runAll() {
        int ran = 0;
        Runnable task;
        while ((task = tasks.poll()) != null) {
            task.run();
            ran++;
        }
        return ran;
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> left = List.copyOf(tasks);
        tasks.clear();
        return left;
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown && tasks.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }
}
