package io.tunnel.core.link;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import io.tunnel.core.protocol.DataFrame;
import io.tunnel.core.protocol.PingFrame;
import io.tunnel.core.protocol.TunnelFrame;
import io.tunnel.core.protocol.TunnelSettings;
import io.tunnel.core.transport.Transports;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One agent link: the TLS channel that carries frames and the streams multiplexed over it.
 *
 * <p>Confined to the link channel's event loop: every method must be called there, except those whose javadoc says
 * "any thread" (they read volatile snapshots written on the loop). Socket-side handlers of the streams run on that
 * same loop (the agent registers its destination sockets on it; the server re-registers each frontend connection
 * with it once the agent is chosen), so stream state needs no locks.
 */
public final class TunnelLink implements StreamFrameWriter {
    private static final Logger LOG = LogManager.getLogger(TunnelLink.class);

    private final Channel channel;
    private final String peerId;
    private final TunnelSettings localSettings;
    private final TunnelSettings peerSettings;
    private final StreamListener listener;
    private final IntObjectMap<TunnelStream> streams = new IntObjectHashMap<>();
    private final List<TunnelStream> dirtySockets = new ArrayList<>();
    private final ArrayDeque<TunnelFrame> heldBack = new ArrayDeque<>();
    private final Runnable flushTask = this::flushNow;
    private final HalfClosedProbe halfClosed;
    private final WindowGrowthBudget windowGrowth = new WindowGrowthBudget(LinkConstants.LINK_WINDOW_GROWTH_BUDGET);
    private boolean flushScheduled;
    // Written only on the link's loop, read by metrics from any thread.
    private volatile long unwrittenBytes;
    private volatile long unsentBytes;
    private final LinkRtt rtt = new LinkRtt();
    private int highestStreamId;
    // Written only on the link's loop; read by agent choice on frontend loops.
    private volatile boolean goingAway;
    private final LinkFloodGuard floodGuard;
    private long readPauseBytes = LinkConstants.LINK_READ_PAUSE_BYTES;
    private boolean readPaused;
    private boolean readStopped;
    // Written only on the link's loop; read by agent choice, /agents and metrics from any thread.
    private volatile int openStreams;
    private volatile long dataBytesSent;
    private volatile long dataBytesReceived;
    private boolean closeWhenIdle;
    private boolean closing;

    public TunnelLink(Channel channel, String peerId, TunnelSettings localSettings, TunnelSettings peerSettings,
                      StreamListener listener) {
        this.channel = channel;
        this.peerId = peerId;
        this.localSettings = localSettings;
        this.peerSettings = peerSettings;
        this.listener = listener;
        this.floodGuard = new LinkFloodGuard(peerSettings.keepaliveMillis(), channel.eventLoop().ticker().nanoTime());
        this.halfClosed = new HalfClosedProbe(channel.eventLoop());
    }

    public Channel channel() {
        return channel;
    }

    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    /** The peer's identity: the agent id on the server, the server's address on the agent. */
    public String peerId() {
        return peerId;
    }

    public TunnelSettings localSettings() {
        return localSettings;
    }

    public TunnelSettings peerSettings() {
        return peerSettings;
    }

    /** Largest DATA payload to send: the peer's maximum, capped at about one TLS record for fairness. */
    int sendChunkSize() {
        return Math.min(peerSettings.maxFrameSize(), LinkConstants.DATA_CHUNK_SIZE);
    }

    /** Streams dialling or open. */
    public int streamCount() {
        return streams.size();
    }

    /** Streams dialling or open, as last published by the link's loop; any thread. */
    public int openStreams() {
        return openStreams;
    }

    /** DATA payload bytes queued to the peer over the link's life; any thread. */
    public long dataBytesSent() {
        return dataBytesSent;
    }

    /** DATA payload bytes accepted from the peer over the link's life; any thread. */
    public long dataBytesReceived() {
        return dataBytesReceived;
    }

    public TunnelStream stream(int id) {
        return streams.get(id);
    }

    /** The highest stream id seen or allocated; ids at or below it that have no stream were closed. */
    public int highestStreamId() {
        return highestStreamId;
    }

    /** Whether this link takes no new streams (either side said GOAWAY, or it closed); any thread. */
    public boolean isGoingAway() {
        return goingAway;
    }

    void goAway() {
        goingAway = true;
    }

    /** Allocates the next stream id (server side; ids increase from 1). */
    public int nextStreamId() {
        return ++highestStreamId;
    }

    /** Records a stream id opened by the peer (agent side); the caller checked it increases. */
    public void acceptStreamId(int id) {
        highestStreamId = id;
    }

    /** Creates and registers a stream in the dialling state. */
    public TunnelStream newStream(int id, String target, String client) {
        TunnelStream stream = new TunnelStream(this, id, target, client);
        streams.put(id, stream);
        openStreams = streams.size();
        return stream;
    }

    void removeStream(TunnelStream stream, StreamResult result) {
        if (streams.remove(stream.id()) != null) {
            openStreams = streams.size();
            halfClosed.unwatch(stream);
            listener.streamEnded(this, stream, result);
            closeIfIdle();
        }
    }

    /**
     * Closes the link once it carries no stream and every frame of the ended ones was written: at once if it is idle
     * already. For a drained link, once no new stream can be opened on it (both sides said GOAWAY, docs/protocol.md
     * §6.7).
     */
    public void closeWhenIdle() {
        closeWhenIdle = true;
        closeIfIdle();
    }

    private void closeIfIdle() {
        if (closeWhenIdle && !closing && streams.isEmpty() && heldBack.isEmpty() && channel.isOpen()) {
            closing = true;
            // After the current task, which may be a flush under way: the ended streams' last frames go out first.
            channel.eventLoop().execute(() -> {
                flushNow();
                channel.close();
            });
        }
    }

    /** Queues a control frame on the link; it goes out at the next flush, ahead of DATA held back below. */
    public void write(TunnelFrame frame) {
        channel.write(frame, channel.voidPromise());
    }

    /**
     * Queues a frame that must stay in order with its stream's DATA (DATA itself and CLOSE). While the link is
     * above its write-buffer high water mark these wait here, so control frames written meanwhile overtake them.
     */
    @Override
    public void writeStreamFrame(TunnelFrame frame) {
        if (frame instanceof DataFrame data) {
            addDataSent(data.content().readableBytes());
            // The peer returns credit for it: a DATA frame earns the WINDOW_UPDATEs a correct peer may answer with.
            floodGuard.credit(FloodLimit.WINDOW_UPDATE, 2, eventLoop().ticker().nanoTime());
        }
        if (heldBack.isEmpty() && channel.isWritable()) {
            channel.write(frame, channel.voidPromise());
        } else {
            heldBack.addLast(frame);
        }
    }

    private void writeHeldBack() {
        boolean wrote = false;
        while (!heldBack.isEmpty() && channel.isWritable()) {
            channel.write(heldBack.pollFirst(), channel.voidPromise());
            wrote = true;
        }
        if (wrote) {
            flushSoon();
            closeIfIdle();
        }
    }

    /** Writes and flushes in one step; for frames written outside a read burst. */
    public void writeAndFlush(TunnelFrame frame) {
        channel.writeAndFlush(frame, channel.voidPromise());
    }

    /** Writes {@code frame}, flushed after the current task with whatever else it writes ({@link #flushSoon}). */
    public void writeAndFlushSoon(TunnelFrame frame) {
        write(frame);
        flushSoon();
    }

    /** Flushes once after the current task, however many writes it makes. */
    public void flushSoon() {
        if (!flushScheduled) {
            flushScheduled = true;
            channel.eventLoop().execute(flushTask);
        }
    }

    /** Flushes the link and every stream socket written to since the last flush. */
    public void flushNow() {
        flushScheduled = false;
        if (!dirtySockets.isEmpty()) {
            for (int i = 0; i < dirtySockets.size(); i++) {
                dirtySockets.get(i).flushSocket();
            }
            dirtySockets.clear();
        }
        channel.flush();
    }

    /** Bytes received from the peer and handed to stream sockets that the sockets have not written yet. */
    public long unwrittenBytes() {
        return unwrittenBytes;
    }

    /** Bytes read from stream sockets that wait for credit before they can be sent. */
    public long unsentBytes() {
        return unsentBytes;
    }

    /**
     * DATA arrived: keeps a round-trip sample fresh while the link carries data (see {@link LinkRtt}). Where the
     * kernel knows the connection's round trip, that is the sample; otherwise a PING probe measures it.
     */
    void probeRttIfDue() {
        long now = eventLoop().ticker().nanoTime();
        if (rtt.shouldProbe(now)) {
            long kernelRtt = Transports.kernelRttNanos(channel);
            if (kernelRtt > 0) {
                rtt.record(kernelRtt, now);
            } else {
                channel.write(new PingFrame(rtt.startProbe(now)), channel.voidPromise());
                flushSoon();
            }
        }
    }

    void onPong(long payload) {
        rtt.onPong(payload, eventLoop().ticker().nanoTime());
    }

    /** Records a round trip measured otherwise (the agent times its HELLO). */
    public void recordRtt(long rttNanos) {
        rtt.record(rttNanos, eventLoop().ticker().nanoTime());
    }

    /** The smallest recent round trip of this link in nanoseconds, -1 before the first sample. */
    long minRttNanos() {
        return rtt.minRttNanos();
    }

    /** A stream whose half window drained faster than this grows its window. */
    long windowGrowthIntervalNanos() {
        return rtt.growthIntervalNanos();
    }

    /** The budget the receive windows of this link's streams grow from. */
    WindowGrowthBudget windowGrowthBudget() {
        return windowGrowth;
    }

    @SuppressWarnings("NonAtomicOperationOnVolatileField") // single writer: the link's loop
    void addUnwritten(long delta) {
        unwrittenBytes += delta;
    }

    @SuppressWarnings("NonAtomicOperationOnVolatileField") // single writer: the link's loop
    void addDataReceived(int bytes) {
        dataBytesReceived += bytes;
    }

    @SuppressWarnings("NonAtomicOperationOnVolatileField") // single writer: the link's loop
    private void addDataSent(int bytes) {
        dataBytesSent += bytes;
    }

    @SuppressWarnings("NonAtomicOperationOnVolatileField") // single writer: the link's loop
    void addUnsent(long delta) {
        unsentBytes += delta;
    }

    void markSocketDirty(TunnelStream stream) {
        dirtySockets.add(stream);
    }

    /** Watches a stream whose socket input ended while its output is open (see {@link HalfClosedProbe}). */
    void watchHalfClosed(TunnelStream stream) {
        halfClosed.watch(stream);
    }

    /** How many streams the half-closed probe holds, for tests. */
    int halfClosedWatched() {
        return halfClosed.watchedCount();
    }

    /** Called when the link's writability changes: stop or resume reading every stream's socket. */
    public void writabilityChanged() {
        writeHeldBack();
        forEachStream(TunnelStream::updateReading);
        if (readPaused && channel.isWritable()) {
            readPaused = false;
            if (!readStopped) {
                LOG.info("{}: the peer read what was queued for it, reading the link again", this);
                channel.config().setAutoRead(true);
            }
        }
    }

    // ---- flood limits (docs/protocol.md §6.9) ----------------------------------------------------------------

    /**
     * Counts a frame of {@code limit} received from the peer.
     *
     * @throws io.tunnel.core.protocol.TunnelProtocolException {@code ENHANCE_YOUR_CALM} if the peer exceeded it
     */
    void charge(FloodLimit limit) {
        floodGuard.charge(limit, eventLoop().ticker().nanoTime());
    }

    /**
     * After a read burst was answered and flushed: stops reading the link while more than
     * {@link LinkConstants#LINK_READ_PAUSE_BYTES} wait to be sent to the peer, until they drained below the low water
     * mark ({@link #writabilityChanged}). DATA waits for writability on its own, so only answers to the peer's frames
     * (PONG, WINDOW_UPDATE, RESET, DIAL_RESULT) get this far: a peer that sends without reading gets no more answers
     * queued than that.
     */
    void pauseReadingIfBacklogged() {
        if (readPaused || readStopped) {
            return;
        }
        long pending = pendingOutboundBytes();
        if (pending > readPauseBytes) {
            readPaused = true;
            channel.config().setAutoRead(false);
            LOG.warn("{}: {} bytes queued for a peer that does not read them, no longer reading it", this, pending);
        }
    }

    /** Changes the {@link LinkConstants#LINK_READ_PAUSE_BYTES}; for tests. */
    void readPauseBytes(long bytes) {
        readPauseBytes = bytes;
    }

    /** Stops reading the link for good: it failed, and what the peer sends now would only be discarded. */
    void stopReading() {
        readStopped = true;
        channel.config().setAutoRead(false);
    }

    /** Bytes written to the link and not yet sent, those the TLS handler holds included. */
    private long pendingOutboundBytes() {
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    /** Aborts every stream at once; the link is gone. */
    public void closeAllStreams(StreamResult result) {
        goingAway = true;
        halfClosed.stop();
        TunnelFrame frame;
        while ((frame = heldBack.pollFirst()) != null) {
            releaseIfData(frame);
        }
        forEachStream(stream -> stream.abort(result));
    }

    /** Tells the listener that {@code stream} opened. */
    void streamOpened(TunnelStream stream) {
        listener.streamOpened(this, stream);
    }

    /** Runs {@code action} for every stream of the link; on the link's loop. */
    public void forEachStream(java.util.function.Consumer<TunnelStream> action) {
        if (streams.isEmpty()) {
            return;
        }
        // Copy first: actions may remove streams from the map.
        for (TunnelStream stream : new ArrayList<>(streams.values())) {
            action.accept(stream);
        }
    }

    @Override
    public String toString() {
        return "link[" + peerId + ' ' + channel.id().asShortText() + ']';
    }

    /** Releases the payload of a DATA frame that will not be written. */
    static void releaseIfData(TunnelFrame frame) {
        if (frame instanceof DataFrame data) {
            data.release();
        }
    }
}
