package io.tunnel.server;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The server's drain after SIGTERM, its listeners already closed. Confined to one event loop, it checks every
 * {@link #POLL_MILLIS} ms:
 * <ol>
 *   <li>until the frontend connections accepted before the drain have chosen an agent (at most the header timeout:
 *       each is answered or refused by then), and {@link #HANDOFF_MILLIS} more for them to reach their links;</li>
 *   <li>then says GOAWAY({@code NO_ERROR}) on every agent link, and on any that completes its handshake later: no
 *       new stream is opened, those open go on, and each link closes when its last stream ends;</li>
 *   <li>and completes once no agent link is left, or when the graceful-shutdown timeout runs out.</li>
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
    private final long chooseNanos;
    private final Duration timeout;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final Set<ServerLinkHandler> told = new HashSet<>();
    private long startNanos;
    private long goAwayNanos = -1;
    private ScheduledFuture<?> poll;

    /**
     * @param choosing    frontend connections that have not chosen an agent yet
     * @param chooseLimit the longest a connection may take to choose (the header timeout)
     * @param timeout     the graceful-shutdown timeout
     */
    ServerDrain(EventExecutor loop, AgentRegistry registry, IntSupplier choosing, Duration chooseLimit,
                Duration timeout) {
        this.loop = loop;
        this.registry = registry;
        this.choosing = choosing;
        this.chooseNanos = chooseLimit.toNanos();
        this.timeout = timeout;
    }

    void start() {
        loop.execute(() -> {
            startNanos = loop.ticker().nanoTime();
            LOG.info("draining: /readyz 503, listeners closed; {} agent link(s) get GOAWAY once {} connection(s) "
                    + "have chosen an agent; streams may go on for {} ms", registry.size(), choosing.getAsInt(),
                    timeout.toMillis());
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
        if (now - startNanos >= timeout.toNanos()) {
            finish("the graceful-shutdown timeout ran out with " + registry.size() + " agent link(s) open: "
                    + "their streams end now");
            return;
        }
        if (goAwayNanos < 0) {
            if (choosing.getAsInt() > 0 && now - startNanos < chooseNanos) {
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
