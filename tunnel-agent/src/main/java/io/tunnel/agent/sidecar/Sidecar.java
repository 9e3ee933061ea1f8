package io.tunnel.agent.sidecar;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Keeps a {@link SidecarConfig}'s addresses and rules on the node: {@link #sync()} checks each one and adds what is
 * missing; {@link #start()} does that once and then every sync interval; {@link #close()} stops and, with cleanup,
 * removes what this sidecar added.
 *
 * <p>"Added" is exact: an item counts as this sidecar's once it ran the command that added it, and only those are
 * removed. An address or rule that was already there when it first looked (put there by an earlier run, a second
 * sidecar or an administrator) is left alone, and so is anything that is not one of its items.
 *
 * <p>Threads: after {@link #start()}, every check and change runs on the sidecar's one scheduler thread, cleanup
 * included, so the record of what was added is confined to it. Before {@code start()}, {@link #sync()} may be
 * called on the caller's thread (the one-shot mode does).
 */
public final class Sidecar implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(Sidecar.class);
    /** Longest wait for a running check and the cleanup at shutdown: each command has its own timeout, too. */
    private static final long CLOSE_TIMEOUT_SECONDS = 60;

    private final SidecarConfig config;
    private final CommandRunner runner;
    private final List<NetworkItem> items;
    private final Set<NetworkItem> added = new LinkedHashSet<>();
    private int passes;
    private ScheduledExecutorService scheduler;
    private ScheduledFuture<?> periodic;

    public Sidecar(SidecarConfig config, CommandRunner runner) {
        this.config = config;
        this.runner = runner;
        this.items = config.items();
    }

    /**
     * Checks every item and adds each missing one; a failure is logged and the other items are still handled.
     *
     * @return whether every item is in place now
     */
    public boolean sync() {
        boolean first = passes++ == 0;
        boolean complete = true;
        for (NetworkItem item : items) {
            try {
                if (!item.isPresent(runner)) {
                    item.add(runner);
                    added.add(item);
                    if (first) {
                        LOG.info("added {}", item);
                    } else {
                        LOG.warn("restored {}: it had been removed", item);
                    }
                } else if (first) {
                    LOG.info("found {} in place", item);
                }
            } catch (SidecarException e) {
                complete = false;
                LOG.error("{}", e.getMessage());
            }
        }
        return complete;
    }

    /**
     * Checks and adds everything once (blocking), then keeps doing so every sync interval on a thread of its own.
     *
     * @throws SidecarException if the first check left something missing; what it did add is then removed again
     *                          when cleanup is on
     */
    public Sidecar start() throws SidecarException {
        LOG.info("keeping {}{} every {} s", describeItems(), config.cleanup() ? " (removed again on shutdown)" : "",
                config.syncInterval().toSeconds());
        if (!sync()) {
            if (config.cleanup()) {
                removeAdded();
            }
            throw new SidecarException("could not set up " + describeItems() + " (see the log above)");
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("sidecar-sync", true));
        long interval = config.syncInterval().toMillis();
        periodic = scheduler.scheduleWithFixedDelay(this::sync, interval, interval, TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * Removes, newest first, every item this sidecar added that is still there.
     *
     * @return whether all of them are gone
     */
    public boolean removeAdded() {
        boolean complete = true;
        List<NetworkItem> newestFirst = new ArrayList<>(added);
        Collections.reverse(newestFirst);
        for (NetworkItem item : newestFirst) {
            try {
                if (item.isPresent(runner)) {
                    item.remove(runner);
                    LOG.info("removed {}", item);
                } else {
                    LOG.info("{} is already gone", item);
                }
                added.remove(item);
            } catch (SidecarException e) {
                complete = false;
                LOG.error("{}", e.getMessage());
            }
        }
        for (NetworkItem item : items) {
            if (!newestFirst.contains(item)) {
                LOG.info("left {} in place: this sidecar did not add it", item);
            }
        }
        return complete;
    }

    /** The items this sidecar added and has not removed, oldest first. */
    List<NetworkItem> added() {
        return List.copyOf(added);
    }

    /** {@code 10.96.0.2/32 on lo and 5 iptables rules for port 443}. */
    private String describeItems() {
        StringJoiner addresses = new StringJoiner(", ");
        int rules = 0;
        for (NetworkItem item : items) {
            if (item instanceof IptablesRule) {
                rules++;
            } else {
                addresses.add(item.toString());
            }
        }
        return addresses + (rules > 0 ? " and " + rules + " iptables rules for port " + config.port() : "");
    }

    /**
     * Stops the checks (waiting for one that runs) and, with cleanup, removes what this sidecar added, on its own
     * thread; blocking.
     */
    @Override
    public void close() {
        if (scheduler == null) {
            return;
        }
        periodic.cancel(false);
        try {
            if (config.cleanup()) {
                boolean complete = scheduler.submit(this::removeAdded).get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                if (!complete) {
                    LOG.error("cleanup incomplete: see the lines above");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.error("cleanup did not finish: {}", e.toString());
        } finally {
            scheduler.shutdownNow();
        }
    }
}
