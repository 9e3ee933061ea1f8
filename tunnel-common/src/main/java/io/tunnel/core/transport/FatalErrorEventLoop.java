package io.tunnel.core.transport;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SingleThreadIoEventLoop;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * An event loop that hands what ends it (Netty would log it and let the thread die) and the fatal errors its handlers
 * report ({@link FatalErrors#report}) to a {@link FatalErrorHandler}.
 */
final class FatalErrorEventLoop extends SingleThreadIoEventLoop {
    private final FatalErrorHandler onFatalError;

    private FatalErrorEventLoop(IoEventLoopGroup parent, Executor executor, IoHandlerFactory factory,
                                FatalErrorHandler onFatalError) {
        super(parent, executor, factory);
        this.onFatalError = onFatalError;
    }

    void fatalError(Throwable error) {
        onFatalError.fatalError(Thread.currentThread(), error);
    }

    @Override
    protected void run() {
        try {
            super.run();
        } catch (Throwable t) { // anything that escapes ends this loop for good
            fatalError(t);
            throw t;
        }
    }

    /** A group of such loops; the handler travels through the constructor arguments Netty hands to each child. */
    static final class Group extends MultiThreadIoEventLoopGroup {
        Group(int threads, ThreadFactory threadFactory, IoHandlerFactory factory, FatalErrorHandler onFatalError) {
            super(threads, threadFactory, factory, onFatalError);
        }

        @Override
        protected IoEventLoop newChild(Executor executor, IoHandlerFactory factory, Object... args) {
            return new FatalErrorEventLoop(this, executor, factory, (FatalErrorHandler) args[0]);
        }
    }
}
