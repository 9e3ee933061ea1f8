package io.tunnel.core.transport;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.util.concurrent.ThreadAwareExecutor;

/**
 * The one workaround for a Netty 4.2.18 epoll bug that every side of the tunnel would otherwise meet.
 *
 * <p>The bug: when a channel's interest set becomes empty, {@code EpollIoHandler}'s registration removes the file
 * descriptor from epoll ({@code EPOLL_CTL_DEL}) but still believes it added, so the next interest change is an
 * {@code EPOLL_CTL_MOD} that fails with {@code ENOENT}, and the channel is closed with that error. A stream socket
 * reaches an empty set as soon as its input ended while it is not being read (the peer's FIN is seen, reading is
 * paused for want of credit or the end of input clears it) and nothing waits to be written; then the first write
 * that fills the socket's send buffer asks for {@code EPOLLOUT} and kills the connection. A half-closed stream that
 * still carries more than a socket buffer in the other direction is exactly that (see
 * {@code EpollInterestFixTest}, which shows the bug with Netty's own handler and its absence with this one).
 *
 * <p>The fix: the registration never submits an empty set. It submits {@code EPOLLET} alone instead, which keeps the
 * descriptor in the epoll set while asking for no event: epoll then reports only {@code EPOLLERR}/{@code EPOLLHUP},
 * edge-triggered, so once per change rather than forever, which is what the removal was meant to prevent. Netty's
 * channels ignore an {@code EPOLLHUP} they did not ask for, and an {@code EPOLLERR} makes them read and flush, which
 * is how they learn of a reset anyway. Everything else is Netty's own handler.
 */
final class EpollInterestFix implements IoHandlerFactory {
    private final IoHandlerFactory epoll = EpollIoHandler.newFactory();

    @Override
    public IoHandler newHandler(ThreadAwareExecutor ioExecutor) {
        return new Handler(epoll.newHandler(ioExecutor));
    }

    @Override
    public boolean isChangingThreadSupported() {
        return epoll.isChangingThreadSupported();
    }

    /** Netty's {@link EpollIoHandler}, handing out registrations that never submit an empty interest set. */
    static final class Handler implements IoHandler {
        private final IoHandler delegate;

        Handler(IoHandler delegate) {
            this.delegate = delegate;
        }

        @Override
        public void initialize() {
            delegate.initialize();
        }

        @Override
        public int run(IoHandlerContext context) {
            return delegate.run(context);
        }

        @Override
        public void prepareToDestroy() {
            delegate.prepareToDestroy();
        }

        @Override
        public void destroy() {
            delegate.destroy();
        }

        @Override
        public IoRegistration register(IoHandle handle) throws Exception {
            return new Registration(delegate.register(handle));
        }

        @Override
        public void wakeup() {
            delegate.wakeup();
        }

        @Override
        public boolean isCompatible(Class<? extends IoHandle> handleType) {
            return delegate.isCompatible(handleType);
        }
    }

    private static final class Registration implements IoRegistration {
        private final IoRegistration delegate;

        Registration(IoRegistration delegate) {
            this.delegate = delegate;
        }

        @Override
        public <T> T attachment() {
            return delegate.attachment();
        }

        @Override
        public long submit(IoOps ops) {
            boolean none = ops instanceof EpollIoOps epollOps && epollOps.value() == EpollIoOps.NONE.value();
            return delegate.submit(none ? EpollIoOps.EPOLLET : ops);
        }

        @Override
        public boolean isValid() {
            return delegate.isValid();
        }

        @Override
        public boolean cancel() {
            return delegate.cancel();
        }
    }
}
