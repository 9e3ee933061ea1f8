package io.tunnel.agent;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The agent's links to a set of servers behind its server address, and the sync loop that keeps one link to each, as
 * Konnectivity's agent does ({@code docs/protocol.md} §6.10):
 * <ul>
 *   <li>it dials the address (several are dialled in turn), one attempt at a time, again and again until it holds
 *       links to as many distinct server ids as the servers say there are: the highest {@code server-count} among the
 *       servers it holds a link to (the last one heard while it holds none);</li>
 *   <li>a new link to a server id it holds already is a duplicate: closed politely (GOAWAY, the server closes when
 *       idle);</li>
 *   <li>a link whose server said GOAWAY no longer counts (its successor is dialled) but keeps its streams until they
 *       end; a lost link is dialled again the same way;</li>
 *   <li>delays come from {@link SyncBackoff}: {@code --sync-interval} after a success, growing after each failure,
 *       and after a duplicate when the count is reached; with {@code --sync-forever} it keeps dialling after the
 *       count is reached, to find servers that appear later, else it rests until a link is lost or goes away.</li>
 * </ul>
 * On {@link #drain()} it stops dialling and says GOAWAY on every link.
 *
 * <p>Confined to the control event loop; what a link attempt reports ({@link Connection}) comes from any thread and
 * hops onto it. Readers elsewhere (health page, metrics) see a snapshot published on each change.
 */
final class ServerSet {
    private static final Logger LOG = LogManager.getLogger(ServerSet.class);
    /** Highest server count taken from a server: bounds the links held and their metric series. */
    static final int MAX_SERVER_COUNT = 100;

    /** Starts one link attempt. */
    @FunctionalInterface
    interface LinkDialer {
        /**
         * Dials {@code address} and reports to {@code connection} what becomes of it: established and later closed, or
         * closed only. Called on the control loop.
         */
        void dial(ServerAddress address, AgentLinks connection);
    }

    /** An established link, as the set sees it ({@link AgentLinkHandler}). */
    interface Link {
        /** The server's id from its HELLO_ACK (empty if it sent none). */
        String serverId();

        /** How many servers the server says there are. */
        int serverCount();

        /** The link's short channel id, as the logs name it. */
        String linkId();

        String remoteAddress();

        /** Says GOAWAY({@code NO_ERROR}) with {@code reason}: the link closes once its streams have ended. Any thread. */
        void goAway(String reason);

        /** Bytes from the server queued on destination sockets; any thread. */
        long unwrittenBytes();

        /** Bytes read from destination sockets that wait for credit; any thread. */
        long unsentBytes();
    }

    /** Where a link stands. */
    enum State {
        DIALING("dialing"),
        /** Counts toward the server count and takes new streams. */
        ACTIVE("active"),
        /** A second link to a server already linked: going away. */
        DUPLICATE("duplicate"),
        /** Its server said GOAWAY: draining its streams, no longer counted. */
        SERVER_GOING_AWAY("server-going-away"),
        /** This agent said GOAWAY (it is draining). */
        AGENT_GOING_AWAY("agent-going-away");

        private final String label;

        State(String label) {
            this.label = label;
        }

        /** The name on the health page and in metrics. */
        String label() {
            return label;
        }
    }

    /** One established link as the health page and metrics show it. */
    record LinkStatus(String serverId, State state, ServerAddress address, Link link, Instant since) {
    }

    private final EventExecutor control;
    private final List<ServerAddress> addresses;
    private final LinkDialer dialer;
    private final SyncBackoff backoff;
    private final boolean syncForever;
    private final Clock clock;
    private final Map<String, Connection> active = new LinkedHashMap<>();
    private final Set<Connection> others = new LinkedHashSet<>();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private Connection dialing;
    private ScheduledFuture<?> timer;
    private int nextAddress;
    private int target = 1;
    private boolean draining;
    private boolean closed;
    // Published on the control loop, read anywhere.
    private volatile List<LinkStatus> snapshot = List.of();
    private volatile int activeCount;
    private volatile int targetCount = 1;
    private volatile boolean drainingNow;

    ServerSet(EventExecutor control, List<ServerAddress> addresses, LinkDialer dialer, SyncBackoff backoff,
              boolean syncForever, Clock clock) {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no server address");
        }
        this.control = control;
        this.addresses = List.copyOf(addresses);
        this.dialer = dialer;
        this.backoff = backoff;
        this.syncForever = syncForever;
        this.clock = clock;
    }

    /** Starts the sync loop: the first attempt at once. Any thread. */
    void start() {
        onControl(() -> schedule(0));
    }

    /**
     * Stops dialling and says GOAWAY on every link; their streams go on. Any thread.
     *
     * @return completes once every established link has closed
     */
    CompletableFuture<Void> drain() {
        onControl(() -> {
            if (draining || closed) {
                return;
            }
            draining = true;
            drainingNow = true;
            cancelTimer();
            for (Connection c : new ArrayList<>(active.values())) {
                active.remove(c.link.serverId());
                others.add(c);
                c.state = State.AGENT_GOING_AWAY;
            }
            for (Connection c : others) {
                c.link.goAway("agent shutting down");
            }
            LOG.info("draining: GOAWAY on {} link(s), which close once their streams have ended", others.size());
            publish();
            completeDrainIfDone();
        });
        return drained;
    }

    /** Stops the loop; the links are closed with the event loops. Any thread. */
    void close() {
        onControl(() -> {
            closed = true;
            cancelTimer();
        });
    }

    /** Whether the agent holds a link that takes new streams (and is not draining); any thread. */
    boolean isReady() {
        return !drainingNow && activeCount > 0;
    }

    /** Links to distinct servers that take new streams; any thread. */
    int activeLinks() {
        return activeCount;
    }

    /** The server count the agent aims for; any thread. */
    int serverCount() {
        return targetCount;
    }

    /** Every established link, counted or going away; any thread. */
    List<LinkStatus> links() {
        return snapshot;
    }

    boolean isDraining() {
        return drainingNow;
    }

    private void tick() {
        timer = null;
        if (draining || closed || dialing != null) {
            return;
        }
        if (active.size() >= target && !syncForever) {
            backoff.reset();
            return; // rests until a link is lost or goes away
        }
        ServerAddress address = addresses.get(nextAddress);
        nextAddress = (nextAddress + 1) % addresses.size();
        dialing = new Connection(address);
        dialer.dial(address, dialing);
    }

    private void onEstablished(Connection c, Link link) {
        c.link = link;
        c.since = clock.instant();
        if (dialing == c) {
            dialing = null;
        }
        if (draining || closed) {
            c.state = State.AGENT_GOING_AWAY;
            others.add(c);
            link.goAway("agent shutting down");
        } else if (active.containsKey(link.serverId())) {
            c.state = State.DUPLICATE;
            others.add(c);
            LOG.info("link {} reached server {} again, which this agent is linked to already: closing it",
                    link.linkId(), link.serverId());
            link.goAway("duplicate link: this agent holds a link to server " + link.serverId() + " already");
            schedule(active.size() >= target ? backoff.step() : backoff.current());
        } else {
            c.state = State.ACTIVE;
            active.put(link.serverId(), c);
            updateTarget(link);
            LOG.info("connected to server {} at {} (link {}), linked to {} of {} server(s)", link.serverId(),
                    link.remoteAddress(), link.linkId(), active.size(), target);
            backoff.reset();
            schedule(backoff.current());
        }
        publish();
    }

    private void onServerGoingAway(Connection c) {
        if (c.state != State.ACTIVE) {
            return; // the answer to this agent's own GOAWAY
        }
        active.remove(c.link.serverId());
        others.add(c);
        c.state = State.SERVER_GOING_AWAY;
        LOG.info("server {} is going away: link {} keeps its streams, its successor is dialled", c.link.serverId(),
                c.link.linkId());
        updateTarget(null);
        wake();
        publish();
    }

    private void onClosed(Connection c, String why) {
        if (c.state == State.DIALING) {
            if (dialing == c) {
                dialing = null;
                if (!draining && !closed) {
                    long delay = backoff.step();
                    LOG.warn("cannot link to {}: {}; next attempt in {} ms", c.address, why, delay);
                    schedule(delay);
                }
            }
            return;
        }
        if (c.state == State.ACTIVE && active.remove(c.link.serverId(), c)) {
            LOG.warn("link to server {} lost ({}), linked to {} of {} server(s)", c.link.serverId(), why,
                    active.size(), target);
            updateTarget(null);
            wake();
        } else if (others.remove(c)) {
            LOG.info("link {} to server {} closed after its drain", c.link.linkId(), c.link.serverId());
        }
        publish();
        completeDrainIfDone();
    }

    private void completeDrainIfDone() {
        if (draining && active.isEmpty() && others.isEmpty()) {
            drained.complete(null);
        }
    }

    /**
     * The count to aim for: the highest among the servers linked (bounded); unchanged while none is. {@code heard} is
     * a link just added, whose count is logged if it changes the aim.
     */
    private void updateTarget(Link heard) {
        int highest = 0;
        for (Connection c : active.values()) {
            highest = Math.max(highest, Math.min(c.link.serverCount(), MAX_SERVER_COUNT));
        }
        if (highest > 0 && highest != target) {
            if (heard != null) {
                LOG.info("server {} says there are {} server(s), this agent aimed for {}", heard.serverId(),
                        heard.serverCount(), target);
            } else {
                LOG.info("the servers linked now say there are {} server(s), this agent aimed for {}", highest,
                        target);
            }
            target = highest;
        }
    }

    /** A link was lost or goes away: dial soon (after the first delay), unless an attempt is under way. */
    private void wake() {
        if (draining || closed || dialing != null) {
            return;
        }
        backoff.reset();
        schedule(backoff.current());
    }

    private void schedule(long delayMillis) {
        cancelTimer();
        timer = control.schedule(this::tick, delayMillis, TimeUnit.MILLISECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void publish() {
        List<LinkStatus> links = new ArrayList<>(active.size() + others.size());
        for (Connection c : active.values()) {
            links.add(c.status());
        }
        for (Connection c : others) {
            links.add(c.status());
        }
        snapshot = List.copyOf(links);
        activeCount = active.size();
        targetCount = target;
    }

    private void onControl(Runnable task) {
        try {
            control.execute(task);
        } catch (RejectedExecutionException e) {
            // the agent is closing: its event loops no longer run tasks
        }
    }

    /** One link attempt and, once established, the link; what it reports hops onto the control loop. */
    final class Connection implements AgentLinks {
        private final ServerAddress address;
        private State state = State.DIALING;
        private Link link;
        private Instant since;

        Connection(ServerAddress address) {
            this.address = address;
        }

        @Override
        public void established(Link established) {
            onControl(() -> onEstablished(this, established));
        }

        @Override
        public void serverGoingAway() {
            onControl(() -> onServerGoingAway(this));
        }

        @Override
        public void closed(String why) {
            onControl(() -> onClosed(this, why));
        }

        LinkStatus status() {
            return new LinkStatus(link.serverId(), state, address, link, since);
        }
    }
}
