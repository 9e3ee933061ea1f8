package io.tunnel.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.util.concurrent.AbstractEventExecutorGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The loops a plaintext frontend registers its connections with: {@code preferred}'s loop when it names one of the
 * workers' loops, else the workers' own round-robin. The server prefers the loop of its one agent link while it has
 * exactly one: a connection then starts on the loop its stream will run on, and the move there once the request is read
 * ({@link StreamOpening}) costs nothing: no deregistration, no hop to another thread. With curl opening tunnels one
 * after another through one agent that was about a tenth of the server's CPU per tunnel and a sixth more tunnels per
 * second. With several links the link is known only from the request; TLS frontends keep the round-robin so that their
 * handshakes spread over every loop. The price: with one link, connections that never become streams (refused,
 * malformed, slow to send their request) also wait on that link's loop; none of them blocks it (header reads are
 * timed, password checks run off the loop).
 *
 * <p>Shutdown and termination are the workers' (the server shuts down the workers, not this view of them); tasks
 * submitted to the view run on {@link #next()}'s loop, like registrations.
 */
final class FrontendLoops extends AbstractEventExecutorGroup implements IoEventLoopGroup {
    private final IoEventLoopGroup workers;
    private final Supplier<EventLoop> preferred;

    /** @param preferred the loop to register with, or {@code null} for the workers' choice; called on accept */
    FrontendLoops(IoEventLoopGroup workers, Supplier<EventLoop> preferred) {
        this.workers = workers;
        this.preferred = preferred;
    }

    @Override
    public IoEventLoop next() {
        EventLoop loop = preferred.get();
        if (loop instanceof IoEventLoop io && io.parent() == workers) {
            return io;
        }
        return workers.next();
    }

    @Override
    @Deprecated
    public ChannelFuture register(Channel channel, ChannelPromise promise) {
        return next().register(channel, promise);
    }

    @Override
    public Iterator<EventExecutor> iterator() {
        return workers.iterator();
    }

    @Override
    public boolean isShuttingDown() {
        return workers.isShuttingDown();
    }

    @Override
    public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
        return workers.shutdownGracefully(quietPeriod, timeout, unit);
    }

    @Override
    public Future<?> terminationFuture() {
        return workers.terminationFuture();
    }

    @Override
    @Deprecated
    public void shutdown() {
        workers.shutdown();
    }

    @Override
    public boolean isShutdown() {
        return workers.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return workers.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return workers.awaitTermination(timeout, unit);
    }
}
