package io.tunnel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Resolver threads: as many as lookups run at once, up to the maximum; then a bounded queue; then a refusal. */
class ResolverPoolTest {
    private final ResolverPool pool = new ResolverPool(4, 2);
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void lookupsOneAtATimeKeepOneThread() throws Exception {
        for (int i = 0; i < 50; i++) {
            Future<?> lookup = pool.submit(() -> { });
            lookup.get(10, TimeUnit.SECONDS);
            awaitIdle(); // the pool counts the thread busy until just after the future completes
        }
        assertThat(pool.getLargestPoolSize()).isEqualTo(1);
    }

    @Test
    void blockedLookupsGrowThePoolToItsMaximumThenQueueThenAreRefused() throws Exception {
        CountDownLatch started = new CountDownLatch(4);
        for (int i = 0; i < 4; i++) {
            pool.execute(() -> {
                started.countDown();
                awaitRelease();
            });
        }
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(pool.getPoolSize()).isEqualTo(4);
        pool.execute(this::awaitRelease);
        pool.execute(this::awaitRelease);
        assertThat(pool.getQueue()).hasSize(2);
        assertThatThrownBy(() -> pool.execute(this::awaitRelease)).isInstanceOf(RejectedExecutionException.class);
        assertThat(pool.getPoolSize()).isEqualTo(4);
    }

    private void awaitIdle() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pool.getActiveCount() > 0) {
            assertThat(System.nanoTime()).as("the lookup thread idle again").isLessThan(deadline);
            Thread.yield();
        }
    }

    private void awaitRelease() {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
