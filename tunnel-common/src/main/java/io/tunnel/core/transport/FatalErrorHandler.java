package io.tunnel.core.transport;

import io.netty.util.internal.logging.InternalLoggerFactory;

/**
 * What a process does about a fatal error on one of its event loops ({@link FatalErrors#isFatal}): an error that
 * ended a loop, or that a handler was told of. Such a process would otherwise stay up half-dead: a loop that died
 * takes its channels and every task queued on it along, and after an {@link OutOfMemoryError} nothing can be trusted
 * to work. A supervisor restarts a process that exits; nobody restarts one that only looks alive.
 */
@FunctionalInterface
public interface FatalErrorHandler {
    /** Exit code of a process ended by a fatal error (EX_SOFTWARE of {@code sysexits.h}). */
    int EXIT_CODE = 70;

    /**
     * Logs one line (ERROR: Netty's logging facade, which this module logs through, has no FATAL) and halts the
     * process with {@link #EXIT_CODE}. Halts rather than exits: shutdown hooks wait for the event loops to stop, and
     * the thread calling is one of them.
     */
    FatalErrorHandler HALT = (thread, error) -> {
        try {
            InternalLoggerFactory.getInstance(FatalErrorHandler.class).error("fatal error on {}, exiting with code {}",
                    thread.getName(), EXIT_CODE, error);
        } finally {
            Runtime.getRuntime().halt(EXIT_CODE);
        }
    };

    /**
     * Logs one line and leaves the process alone: for event loops a library owns inside someone else's process
     * (the tunnel client), which is not the library's to end.
     */
    FatalErrorHandler LOG = (thread, error) -> InternalLoggerFactory.getInstance(FatalErrorHandler.class)
            .error("fatal error on {}; the event loop may be unusable", thread.getName(), error);

    /** {@code error} happened on event loop thread {@code thread}; called on that thread. */
    void fatalError(Thread thread, Throwable error);
}
