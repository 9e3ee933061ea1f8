package io.tunnel.core.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.EncoderException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Errors on the event loops of {@link Transports#newGroup}: one that ends a loop reaches the group's
 * {@link FatalErrorHandler} (which halts the real processes; here it records). One a link handler is told of:
 * {@code LinkFatalErrorTest} in tunnel-core.
 */
class FatalErrorsTest {
    /** What the fatal-error handler was given. */
    private static final class Recorder implements FatalErrorHandler {
        final CompletableFuture<Throwable> error = new CompletableFuture<>();
        volatile String thread;

        @Override
        public void fatalError(Thread t, Throwable e) {
            thread = t.getName();
            error.complete(e);
        }
    }

    @Test
    void errorsAnywhereInTheCauseChainAreFatal() {
        assertThat(FatalErrors.isFatal(new OutOfMemoryError())).isTrue();
        assertThat(FatalErrors.isFatal(new EncoderException(new OutOfMemoryError()))).as("wrapped by an encoder")
                .isTrue();
        assertThat(FatalErrors.isFatal(new EncoderException(new IllegalStateException()))).isFalse();
        assertThat(FatalErrors.isFatal(new java.io.IOException("Connection reset by peer"))).isFalse();
    }

    @Test
    void anErrorThatEndsAnEventLoopIsFatal() throws Exception {
        AtomicBoolean fail = new AtomicBoolean();
        IoHandlerFactory nio = NioIoHandler.newFactory();
        IoHandlerFactory failing = executor -> new FailingIoHandler(nio.newHandler(executor), fail);
        Recorder recorder = new Recorder();
        EventLoopGroup group = Transports.newGroup(1, "doomed", failing, recorder);
        try {
            group.execute(() -> fail.set(true)); // the loop's next turn throws
            assertThat(recorder.error.get(10, TimeUnit.SECONDS)).isInstanceOf(InternalError.class);
            assertThat(recorder.thread).startsWith("doomed");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** Delegates to a real handler, and throws from {@code run} once told to. */
    private static final class FailingIoHandler implements IoHandler {
        private final IoHandler delegate;
        private final AtomicBoolean fail;

        FailingIoHandler(IoHandler delegate, AtomicBoolean fail) {
            this.delegate = delegate;
            this.fail = fail;
        }

        @Override
        public void initialize() {
            delegate.initialize();
        }

        @Override
        public int run(IoHandlerContext context) {
            if (fail.get()) {
                throw new InternalError("the event loop broke");
            }
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
            return delegate.register(handle);
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
}
