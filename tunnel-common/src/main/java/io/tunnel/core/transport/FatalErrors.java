package io.tunnel.core.transport;

import io.netty.channel.ChannelHandlerContext;

/**
 * Tells handlers' {@code exceptionCaught} apart from what they may handle: a {@link Error} anywhere in the cause
 * chain (Netty wraps what an encoder throws, {@link OutOfMemoryError} included, in an {@code EncoderException}) is
 * fatal, and goes to the {@link FatalErrorHandler} of the event loop the handler runs on. Loops other than those of
 * {@link Transports#newGroup} (an {@code EmbeddedChannel}'s, in tests) have none, and the handler carries on.
 */
public final class FatalErrors {
    /** How deep a cause chain is searched for an {@link Error}; it guards against cycles too. */
    private static final int MAX_CAUSE_DEPTH = 8;

    private FatalErrors() {
    }

    /** Whether {@code cause} is, or was caused by, an {@link Error}. */
    public static boolean isFatal(Throwable cause) {
        Throwable t = cause;
        for (int depth = 0; t != null && depth < MAX_CAUSE_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof Error) {
                return true;
            }
        }
        return false;
    }

    /**
     * Hands {@code cause} to the fatal-error handler of the loop {@code ctx} runs on if it is fatal. Call first thing
     * in {@code exceptionCaught}.
     *
     * @return whether {@code cause} is fatal (the process is then being ended, where the loop has a handler)
     */
    public static boolean report(ChannelHandlerContext ctx, Throwable cause) {
        if (!isFatal(cause)) {
            return false;
        }
        if (ctx.executor() instanceof FatalErrorEventLoop loop) {
            loop.fatalError(cause);
        }
        return true;
    }
}
