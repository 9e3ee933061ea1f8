package io.tunnel.core.cli;

import java.util.concurrent.CompletionStage;

/**
 * A service that stops gracefully. On the first SIGTERM (or SIGINT) {@link Cli} calls {@link #drain()}, waits for
 * the stage it returns and then closes the service; a second signal closes it at once.
 */
@FunctionalInterface
public interface Drainable {
    /**
     * Starts the graceful stop: the service takes no new work and lets what is under way end. Called once, from a
     * thread that may block.
     *
     * @return completes once nothing is left, or once the service's own graceful-shutdown timeout ran out
     */
    CompletionStage<?> drain();
}
