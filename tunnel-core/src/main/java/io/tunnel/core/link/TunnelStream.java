package io.tunnel.core.link;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.ScheduledFuture;
import io.tunnel.core.protocol.DataFrame;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.DialResultFrame;
import io.tunnel.core.protocol.ResetFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.WindowUpdateFrame;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One stream: a local {@link StreamSocket} (the client's on the server, the destination's on the agent) bridged to
 * the link. This class holds the stream's state (dialling, open, closed) and its life cycle; each direction's flow
 * control is a piece of its own, as in Netty's HTTP/2 code:
 * <ul>
 *   <li>{@link SendFlow}, socket → link: DATA within the peer's credit, the rest pending, then CLOSE;</li>
 *   <li>{@link ReceiveFlow}, link → socket: the credit granted, returned once bytes reached the socket, and the
 *   window's growth.</li>
 * </ul>
 * The socket is read only while the stream is open, reading was enabled, the send flow can send and the link is
 * below its write-buffer high water mark. A stream ends cleanly when CLOSE went both ways and the socket's output was
 * shut down; a RESET, a socket error or the link's loss aborts it, and the local peer then sees a reset.
 *
 * <p>Confined to the link's event loop.
 */
public final class TunnelStream {
    private static final Logger LOG = LogManager.getLogger(TunnelStream.class);

    private enum State { DIALING, OPEN, CLOSED }

    private final TunnelLink link;
    private final int id;
    private final String target;
    private final String client;
    private final long startNanos = System.nanoTime();
    private final SendFlow send;
    private final ReceiveFlow receive;

    private State state = State.DIALING;
    private boolean opened;
    private StreamSocket socket;
    private DialCallback dialCallback;
    private ScheduledFuture<?> dialTimeout;
    private boolean readEnabled;
    private boolean reading;
    private boolean dirty;
    private String route = "-";
    private String identity = "-";
    private boolean withdrawn;

    TunnelStream(TunnelLink link, int id, String target, String client) {
        this.link = link;
        this.id = id;
        this.target = target;
        this.client = client;
        this.send = new SendFlow(id, link, link.sendChunkSize(), link.peerSettings().initialWindow());
        this.receive = new ReceiveFlow(link.localSettings().initialWindow(), link.windowGrowthBudget(),
                link.eventLoop().ticker().nanoTime());
    }

    public int id() {
        return id;
    }

    public TunnelLink link() {
        return link;
    }

    /** {@code host:port} this stream reaches. */
    public String target() {
        return target;
    }

    /** The client's address (server side), or an empty string. */
    public String client() {
        return client;
    }

    /** How the opening side chose this stream's link, for its access log (the server: the routing strategy). */
    public String route() {
        return route;
    }

    public void route(String route) {
        this.route = route;
    }

    /** Who opened the stream, for its access log (the server: the client's proxy identity), or {@code -}. */
    public String identity() {
        return identity;
    }

    public void identity(String identity) {
        this.identity = identity;
    }

    /** Bytes read from this side's socket and sent into the tunnel. */
    public long bytesFromSocket() {
        return send.bytes();
    }

    /** Bytes received from the tunnel and written to this side's socket. */
    public long bytesToSocket() {
        return receive.bytes();
    }

    public long durationMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    public boolean isOpen() {
        return state == State.OPEN;
    }

    /** {@code true} once the dial succeeded, even after the stream ended. */
    public boolean wasOpened() {
        return opened;
    }

    /** {@code true} if its dial was taken back, to be made over another link: the stream never opened or failed. */
    public boolean wasWithdrawn() {
        return withdrawn;
    }

    public boolean isClosed() {
        return state == State.CLOSED;
    }

    /**
     * Bytes read from the socket that wait for credit: one read burst plus one window, or, when the input ended while
     * reading was paused, whatever the kernel still held for the socket.
     */
    public int pendingBytes() {
        return send.pendingBytes();
    }

    /** The receive window currently granted to the peer. */
    public int receiveWindow() {
        return receive.window();
    }

    // ---- life cycle ------------------------------------------------------------------------------------------

    /** Binds the stream to its socket; the socket is not read until the stream is open and reading enabled. */
    public void attach(StreamSocket socket) {
        this.socket = socket;
    }

    /** The socket the stream relays, or {@code null} before {@link #attach}. */
    public StreamSocket socket() {
        return socket;
    }

    /**
     * Server side: sends DIAL and starts the server's own dial timer. The DIAL is flushed after the current task,
     * with the DIALs of the other connections whose openings are queued on the loop.
     */
    public void startDial(DialFrame dial, long timeoutMillis, DialCallback callback) {
        this.dialCallback = callback;
        link.writeAndFlushSoon(dial);
        dialTimeout = link.eventLoop().schedule(this::dialTimedOut, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** Server side: the agent's DIAL_RESULT. */
    public void onDialResult(DialResultFrame result) {
        if (state != State.DIALING || dialCallback == null) {
            reset(TunnelErrorCode.PROTOCOL_ERROR, "unexpected DIAL_RESULT");
            return;
        }
        cancelDialTimeout();
        if (result.isSuccess()) {
            state = State.OPEN;
            opened = true;
            link.streamOpened(this);
            DialCallback callback = dialCallback;
            dialCallback = null; // what opened the stream (its request, the frontend's handler) is not kept for its life
            callback.dialSucceeded(this);
        } else {
            failDial(result.code(), result.reason());
        }
    }

    /**
     * Server side: takes back a DIAL still unanswered without telling its callback, because the connection is dialled
     * again over another link. RESET(CANCEL) tells the peer; the stream ends with {@code result}; a DIAL_RESULT that
     * crosses the RESET is ignored (closed stream). The socket belongs to the caller again.
     */
    public void withdrawDial(StreamResult result) {
        if (state == State.DIALING && dialCallback != null) {
            dialCallback = null;
            withdrawn = true;
            link.writeAndFlush(new ResetFrame(id, TunnelErrorCode.CANCEL));
            finish(result);
        }
    }

    private void dialTimedOut() {
        if (state == State.DIALING) {
            link.writeAndFlush(new ResetFrame(id, TunnelErrorCode.CANCEL));
            failDial(TunnelErrorCode.DIAL_TIMEOUT, "no dial result in time");
        }
    }

    /**
     * The dial failed: the callback owns the socket from here on (it answers and closes it, or takes the connection
     * to another link).
     */
    private void failDial(TunnelErrorCode code, String reason) {
        DialCallback callback = dialCallback;
        dialCallback = null;
        if (callback != null && callback.dialElsewhere(this, code, reason)) {
            withdrawn = true;
            finish(new StreamResult(code, reason));
            return;
        }
        finish(new StreamResult(code, reason));
        if (callback != null) {
            callback.dialFailed(this, code, reason);
        }
    }

    /** Agent side: the destination is connected and DIAL_RESULT sent; start relaying. */
    public void open() {
        if (state == State.DIALING) {
            state = State.OPEN;
            opened = true;
            link.streamOpened(this);
            enableReading();
        }
    }

    /** Agent side: the dial failed and its DIAL_RESULT was sent; forget the stream. */
    public void dialFailed(TunnelErrorCode code, String reason) {
        if (state == State.DIALING) {
            finish(new StreamResult(code, reason));
            if (socket != null) {
                socket.close();
            }
        }
    }

    /** Starts reading the socket, once whatever must precede the relayed bytes has been written. */
    public void enableReading() {
        readEnabled = true;
        if (state == State.OPEN && send.pendingBytes() > 0) {
            sendPending();
            link.flushSoon();
        }
        maybeSendClose();
        updateReading();
    }

    /** Aborts this stream and tells the peer with RESET. */
    public void reset(TunnelErrorCode code, String reason) {
        if (state == State.CLOSED) {
            return;
        }
        link.writeAndFlushSoon(new ResetFrame(id, code));
        abort(new StreamResult(code, reason));
    }

    /** Aborts this stream without telling the peer (it reset the stream, or the link is gone). */
    void abort(StreamResult result) {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.DIALING && dialCallback != null) {
            failDial(result.code() == TunnelErrorCode.CANCEL ? TunnelErrorCode.SHUTDOWN : result.code(),
                    result.detail());
            return;
        }
        finish(result);
        if (socket != null) {
            socket.abort();
        }
    }

    private void finish(StreamResult result) {
        state = State.CLOSED;
        cancelDialTimeout();
        receive.release();
        link.addUnsent(-send.pendingBytes());
        send.release();
        link.removeStream(this, result);
    }

    private void cancelDialTimeout() {
        if (dialTimeout != null) {
            dialTimeout.cancel(false);
            dialTimeout = null;
        }
    }

    private void maybeFinish() {
        if (state == State.OPEN && send.closeSent() && receive.isOutputShut()) {
            finish(StreamResult.CLOSED);
            socket.close();
        }
    }

    // ---- socket -> link --------------------------------------------------------------------------------------

    /**
     * Bytes read from the socket. Takes ownership of {@code buf}. The socket is read only once the stream is open:
     * the server's frontend holds bytes a client sends early until the dial succeeded, and the agent's destination
     * socket starts with auto-read off. Called by the socket's reader ({@link StreamRelayHandler}, or a
     * {@link StreamSocket} that produces its bytes itself) only while the stream asked it to read.
     */
    public void onSocketRead(ByteBuf buf) {
        if (state != State.OPEN) {
            buf.release();
            if (state == State.DIALING) {
                throw new IllegalStateException(this + ": socket read before the stream opened");
            }
            return;
        }
        int before = send.pendingBytes();
        send.onRead(buf, socket.alloc());
        link.addUnsent(send.pendingBytes() - before);
        updateReading();
    }

    private void sendPending() {
        int before = send.pendingBytes();
        send.flushPending();
        link.addUnsent(send.pendingBytes() - before);
    }

    /** The socket reached end of input: send CLOSE once everything read has gone out. */
    public void onSocketEof() {
        if (!send.inputEnded() && !receive.isOutputShut() && state != State.CLOSED && socket.canDetectReset()) {
            link.watchHalfClosed(this);
        }
        send.onInputEnd();
        maybeSendClose();
        updateReading();
    }

    /**
     * Checks, for the link's periodic probe, whether the socket of this half-closed stream was reset by its peer, and
     * aborts the stream if so. Returns whether the stream still needs watching (its output is open).
     */
    boolean probeHalfClosedSocket() {
        if (state == State.CLOSED || receive.isOutputShut()) {
            return false;
        }
        if (socket.isReset()) {
            reset(TunnelErrorCode.CANCEL, "socket reset by peer");
            return false;
        }
        return true;
    }

    private void maybeSendClose() {
        if (state == State.OPEN && send.maybeSendClose()) {
            link.flushSoon();
            maybeFinish();
        }
    }

    /** Peer granted more credit. */
    public void onWindowUpdate(WindowUpdateFrame update) {
        if (state != State.OPEN) {
            return;
        }
        int before = send.pendingBytes();
        if (!send.onWindowUpdate(update.increment())) {
            reset(TunnelErrorCode.FLOW_CONTROL_ERROR, "window grew past 2^31-1");
            return;
        }
        link.addUnsent(send.pendingBytes() - before);
        maybeSendClose();
        updateReading();
    }

    /**
     * Re-evaluates whether the socket may be read: open, reading enabled, and either the send flow can send while the
     * link is writable, or the input ended. After the end of input the socket is read on, where it still can be (a
     * TLS close_notify without FIN): no data can follow, but its FIN or reset then gets noticed.
     */
    void updateReading() {
        if (socket == null) {
            return;
        }
        boolean read = state == State.OPEN && readEnabled
                && (send.inputEnded() || send.canSend() && link.channel().isWritable());
        if (read != reading) {
            reading = read;
            socket.setReading(read);
        }
    }

    // ---- link -> socket --------------------------------------------------------------------------------------

    /** DATA from the peer. Takes ownership of the frame. */
    public void onData(DataFrame frame) {
        int len = frame.content().readableBytes();
        if (state != State.OPEN) {
            frame.release();
            reset(TunnelErrorCode.PROTOCOL_ERROR, "DATA before the stream opened");
            return;
        }
        if (receive.closeReceived()) {
            frame.release();
            reset(TunnelErrorCode.STREAM_CLOSED, "DATA after CLOSE");
            return;
        }
        if (!receive.onData(len)) {
            frame.release();
            reset(TunnelErrorCode.FLOW_CONTROL_ERROR, "DATA beyond the granted window");
            return;
        }
        link.addUnwritten(len);
        link.addDataReceived(len);
        socket.write(frame.content()).addListener(f -> onSocketWritten(len, f.cause()));
        if (!dirty) {
            dirty = true;
            link.markSocketDirty(this);
        }
    }

    void flushSocket() {
        dirty = false;
        if (state != State.CLOSED) {
            socket.flush();
        }
    }

    private void onSocketWritten(int len, Throwable failure) {
        receive.writeDone();
        link.addUnwritten(-len);
        if (state != State.OPEN) {
            return;
        }
        if (failure != null) {
            // A write can fail above the socket and leave it open: an SslHandler whose OpenSSL engine closed both
            // directions on the client's close_notify fails every write. Nothing would ever end the stream then.
            String why = failure.getMessage() != null ? failure.getMessage() : failure.getClass().getSimpleName();
            reset(TunnelErrorCode.CANCEL, "socket write failed: " + why);
            return;
        }
        int increment = receive.acknowledge(len, link.eventLoop().ticker().nanoTime(),
                link.windowGrowthIntervalNanos());
        if (increment > 0) {
            link.writeAndFlushSoon(new WindowUpdateFrame(id, increment));
        }
        maybeShutdownOutput();
    }

    /** Peer half-closed: shut down the socket's output once everything before it is written. */
    public void onRemoteClose() {
        if (state != State.OPEN) {
            return;
        }
        if (!receive.onClose()) {
            reset(TunnelErrorCode.STREAM_CLOSED, "second CLOSE");
            return;
        }
        maybeShutdownOutput();
    }

    private void maybeShutdownOutput() {
        if (state == State.OPEN && receive.shouldShutdownOutput()) {
            receive.outputShut();
            if (dirty) {
                flushSocket();
            }
            if (send.closeSent()) { // the input ended and its CLOSE went out: the stream ends with the output
                finish(StreamResult.CLOSED);
                socket.shutdownOutputAndClose();
                return;
            }
            socket.shutdownOutput();
        }
    }

    /** Peer reset the stream. */
    public void onReset(ResetFrame frame) {
        abort(new StreamResult(frame.code(), "reset by peer"));
    }

    /** The socket closed (by the local peer or after an error) before the stream finished; idempotent. */
    public void socketClosed() {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.DIALING) {
            if (dialCallback != null) {
                link.writeAndFlush(new ResetFrame(id, TunnelErrorCode.CANCEL));
                failDial(TunnelErrorCode.CANCEL, "client went away while dialling");
            }
            return;
        }
        reset(TunnelErrorCode.CANCEL, "socket closed");
    }

    void onSocketError(Throwable cause) {
        LOG.debug("{} stream {}: socket error: {}", link, id, cause.toString());
        if (socket != null) {
            socket.close();
        }
    }

    @Override
    public String toString() {
        return "stream " + id + " -> " + target;
    }
}
