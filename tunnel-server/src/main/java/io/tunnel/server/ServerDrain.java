package io.tunnel.server;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The server's drain after SIGTERM, {@code /readyz} answering 503 already. Confined to one event loop, it checks every
 * {@link #POLL_MILLIS} ms:
 * <ol>
 *   <li>after {@code --shutdown-delay-duration} (none by default: a load balancer's time to notice {@code /readyz},
 *       during which new connections are still served), closes both listeners;</li>
 *   <li>waits until the frontend connections accepted before have chosen an agent (at most the header timeout: each
 *       is answered or refused by then), and {@link #HANDOFF_MILLIS} more for them to reach their links;</li>
 *   <li>then says GOAWAY({@code NO_ERROR}) on every agent link, and on any that completes its handshake later: no
 *       new stream is opened, those open go on, and each link closes when its last stream ends;</li>
 *   <li>and completes once no agent link is left, or when {@code --graceful-shutdown-timeout} (counted from the
 *       start) runs out.</li>
 * </ol>
 */
final class ServerDrain {
    private static final Logger LOG = LogManager.getLogger(ServerDrain.class);
    /** How often the drain looks at the registry; the links close by themselves, this only notices it. */
    static final long POLL_MILLIS = 50;
    /**
     * Time for a connection that has chosen its agent to reach the link's event loop and send its DIAL, so that the
     * link's GOAWAY follows that DIAL (a few loop turns; generous on a busy machine).
     */
    static final long HANDOFF_MILLIS = 250;

    private final EventExecutor loop;
    private final AgentRegistry registry;
    private final IntSupplier choosing;
    private final Runnable closeListeners;
    private final long delayNanos;
    private final long chooseNanos;
    private final long timeoutNanos;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final Set<ServerLinkHandler> told = new HashSet<>();
    private long startNanos;
    private long closedNanos = -1;
    private long goAwayNanos = -1;
    private ScheduledFuture<?> poll;

    /**
     * @param choosing       frontend connections that have not chosen an agent yet
     * @param closeListeners closes the frontend and agent listeners
     */
    ServerDrain(EventExecutor loop, ServerConfig config, AgentRegistry registry, IntSupplier choosing,
                Runnable closeListeners) {
        this.loop = loop;
        this.registry = registry;
        this.choosing = choosing;
        this.closeListeners = closeListeners;
        this.delayNanos = config.shutdownDelay().toNanos();
        this.chooseNanos = config.headerTimeout().toNanos();
        this.timeoutNanos = config.gracefulShutdownTimeout().toNanos();
    }

    void start() {
        loop.execute(() -> {
            startNanos = loop.ticker().nanoTime();
            LOG.info("draining: /readyz 503; listeners close in {} ms; then {} agent link(s) get GOAWAY once the "
                    + "connections accepted have chosen an agent; streams may go on for {} ms in all",
                    TimeUnit.NANOSECONDS.toMillis(delayNanos), registry.size(),
                    TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
            poll = loop.scheduleAtFixedRate(this::check, 0, POLL_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    /** Completes once no agent link is left, or at the timeout. */
    CompletableFuture<Void> done() {
        return done;
    }

    /** The server closes: no more checks. Any thread. */
    void stop() {
        loop.execute(() -> finish(null));
    }

    private void check() {
        long now = loop.ticker().nanoTime();
        if (now - startNanos >= timeoutNanos) {
            finish("the graceful-shutdown timeout ran out with " + registry.size() + " agent link(s) open: "
                    + "their streams end now");
            return;
        }
        if (closedNanos < 0) {
            if (now - startNanos < delayNanos) {
                return;
            }
            closeListeners.run();
            closedNanos = now;
        }
        if (goAwayNanos < 0) {
            if (choosing.getAsInt() > 0 && now - closedNanos < chooseNanos) {
                return;
            }
            goAwayNanos = now + TimeUnit.MILLISECONDS.toNanos(HANDOFF_MILLIS);
        }
        if (now < goAwayNanos) {
            return;
        }
        for (ServerLinkHandler link : registry.all()) {
            if (told.add(link)) {
                link.link().eventLoop().execute(() -> link.goAwayGracefully("server shutting down"));
            }
        }
        if (registry.isEmpty()) {
            finish("every agent link has closed");
        }
    }

    private void finish(String why) {
        if (poll != null) {
            poll.cancel(false);
        }
        if (why != null && !done.isDone()) {
            LOG.info("drained: {}", why);
        }
        done.complete(null);
    }
}
