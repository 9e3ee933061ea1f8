package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.util.concurrent.EventExecutor;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which loop {@link FrontendLoops} registers a frontend connection with: the preferred one if it is a worker's. */
class FrontendLoopsTest {
    private final IoEventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, LocalIoHandler.newFactory());
    private final IoEventLoopGroup others = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
    private final AtomicReference<EventLoop> preferred = new AtomicReference<>();
    private final FrontendLoops loops = new FrontendLoops(workers, preferred::get);

    @AfterEach
    void shutDown() {
        workers.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        others.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aPreferredWorkerLoopTakesEveryConnection() {
        IoEventLoop second = secondWorker();
        preferred.set(second);

        for (int i = 0; i < 4; i++) {
            assertThat(loops.next()).isSameAs(second);
        }
        LocalChannel channel = new LocalChannel();
        loops.register(channel).syncUninterruptibly();
        assertThat(channel.eventLoop()).isSameAs(second);
        channel.close().syncUninterruptibly();
    }

    @Test
    void withoutAPreferenceTheWorkersTakeTurns() {
        assertThat(twoPicks()).hasSize(2);
    }

    @Test
    void aLoopOfAnotherGroupIsNotAPreference() {
        preferred.set(others.next());

        assertThat(twoPicks()).hasSize(2).allSatisfy(loop -> assertThat(loop.parent()).isSameAs(workers));
    }

    @Test
    void shutdownAndTasksAreTheWorkers() {
        assertThat(loops).containsExactlyElementsOf(workers);
        assertThat(loops.submit(() -> "ran").syncUninterruptibly().getNow()).isEqualTo("ran");

        loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        assertThat(workers.isTerminated()).isTrue();
        assertThat(loops.isShuttingDown()).isTrue();
    }

    private Set<EventExecutor> twoPicks() {
        Set<EventExecutor> picked = new HashSet<>();
        picked.add(loops.next());
        picked.add(loops.next());
        return picked;
    }

    private IoEventLoop secondWorker() {
        var it = workers.iterator();
        it.next();
        return (IoEventLoop) it.next();
    }
}
