package io.tunnel.core.link;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.ScheduledFuture;
import io.tunnel.core.protocol.CloseFrame;
import io.tunnel.core.protocol.DataFrame;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.DialResultFrame;
import io.tunnel.core.protocol.ProtocolConstants;
import io.tunnel.core.protocol.ResetFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.WindowUpdateFrame;
import io.tunnel.core.transport.Transports;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One stream: a local socket (the client's on the server, the destination's on the agent) bridged to the link.
 *
 * <p>Confined to the link's event loop. Each direction is flow controlled by its own credit:
 * <ul>
 *   <li><b>socket → link</b>: at most {@code sendCredit} bytes go out as DATA; bytes read beyond it wait in
 *   {@code pending} and the socket stops being read until WINDOW_UPDATE arrives. The socket is also not read
 *   while the link is above its write-buffer high water mark.</li>
 *   <li><b>link → socket</b>: DATA beyond the credit granted is a stream error; credit is returned only once the
 *   bytes were written to the socket, in updates of at least half a window. A window whose half drained within
 *   about one round trip of the link ({@link LinkRtt}) is doubled, up to {@link LinkConstants#MAX_STREAM_WINDOW}, while the link's growth budget
 *   ({@link LinkConstants#LINK_WINDOW_GROWTH_BUDGET}) lasts; the stream gives its growth back when it ends.</li>
 * </ul>
 * A stream ends cleanly when CLOSE went both ways and the socket's output was shut down; a RESET, a socket error
 * or the link's loss aborts it.
 */
public final class TunnelStream {
    private static final Logger LOG = LogManager.getLogger(TunnelStream.class);

    private enum State { DIALING, OPEN, CLOSED }

    private final TunnelLink link;
    private final int id;
    private final String target;
    private final String client;
    private final long startNanos = System.nanoTime();

    private State state = State.DIALING;
    private boolean opened;
    private ChannelHandlerContext socketCtx;
    private DialCallback dialCallback;
    private ScheduledFuture<?> dialTimeout;

    // socket -> link
    private int sendCredit;
    private ByteBuf pending;
    private boolean readEnabled;
    private boolean reading;
    private boolean socketEof;
    private boolean closeSent;
    private long bytesFromSocket;

    // link -> socket
    private int recvWindow;
    private int recvCredit;
    private int recvUnacked;
    private long lastUpdateNanos;
    private int writesInFlight;
    private boolean dirty;
    private boolean closeReceived;
    private boolean outputShut;
    private long bytesToSocket;

    TunnelStream(TunnelLink link, int id, String target, String client) {
        this.link = link;
        this.id = id;
        this.target = target;
        this.client = client;
        this.sendCredit = link.peerSettings().initialWindow();
        this.recvWindow = link.localSettings().initialWindow();
        this.recvCredit = recvWindow;
        this.lastUpdateNanos = link.eventLoop().ticker().nanoTime();
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

    /** Bytes read from this side's socket and sent into the tunnel. */
    public long bytesFromSocket() {
        return bytesFromSocket;
    }

    /** Bytes received from the tunnel and written to this side's socket. */
    public long bytesToSocket() {
        return bytesToSocket;
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

    public boolean isClosed() {
        return state == State.CLOSED;
    }

    /**
     * Bytes read from the socket that wait for credit: one read burst plus one window, or, when the input ended while
     * reading was paused, whatever the kernel still held for the socket.
     */
    public int pendingBytes() {
        return pending == null ? 0 : pending.readableBytes();
    }

    /** The receive window currently granted to the peer. */
    public int receiveWindow() {
        return recvWindow;
    }

    // ---- lifecycle -------------------------------------------------------------------------------------------

    /** Binds the stream to its socket's relay handler context, on the link's loop. */
    void attach(ChannelHandlerContext ctx) {
        this.socketCtx = ctx;
    }

    /** Server side: sends DIAL and starts the server's own dial timer. */
    public void startDial(DialFrame dial, long timeoutMillis, DialCallback callback) {
        this.dialCallback = callback;
        link.writeAndFlush(dial);
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
            dialCallback.dialSucceeded(this);
        } else {
            failDial(result.code(), result.reason());
        }
    }

    private void dialTimedOut() {
        if (state == State.DIALING) {
            link.writeAndFlush(new ResetFrame(id, TunnelErrorCode.CANCEL));
            failDial(TunnelErrorCode.DIAL_TIMEOUT, "no dial result in time");
        }
    }

    private void failDial(TunnelErrorCode code, String reason) {
        DialCallback callback = dialCallback;
        finish(new StreamResult(code, reason), false);
        if (callback != null) {
            callback.dialFailed(this, code, reason);
        }
    }

    /** Agent side: the destination is connected and DIAL_RESULT sent; start relaying. */
    public void open() {
        if (state == State.DIALING) {
            state = State.OPEN;
            opened = true;
            enableReading();
        }
    }

    /** Agent side: the dial failed and its DIAL_RESULT was sent; forget the stream. */
    public void dialFailed(TunnelErrorCode code, String reason) {
        if (state == State.DIALING) {
            finish(new StreamResult(code, reason), true);
        }
    }

    /** Starts reading the socket, once whatever must precede the relayed bytes has been written. */
    public void enableReading() {
        readEnabled = true;
        if (pending != null && state == State.OPEN) {
            int before = pendingBytes();
            ByteBuf buf = pending;
            pending = null;
            sendWithinCredit(buf);
            link.addUnsent(pendingBytes() - before);
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
        link.write(new ResetFrame(id, code));
        link.flushSoon();
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
        finish(result, false);
        if (socketCtx != null) {
            // Abortive close: the local peer sees a reset, without TLS close_notify, never a clean end of stream.
            Transports.abort(socketCtx.channel());
        }
    }

    private void finish(StreamResult result, boolean closeSocket) {
        state = State.CLOSED;
        link.releaseWindowGrowth(recvWindow - link.localSettings().initialWindow());
        cancelDialTimeout();
        if (pending != null) {
            link.addUnsent(-pending.readableBytes());
            pending.release();
            pending = null;
        }
        if (closeSocket && socketCtx != null) {
            socketCtx.channel().close();
        }
        link.removeStream(this, result);
    }

    private void cancelDialTimeout() {
        if (dialTimeout != null) {
            dialTimeout.cancel(false);
            dialTimeout = null;
        }
    }

    private void maybeFinish() {
        if (state == State.OPEN && closeSent && outputShut) {
            finish(StreamResult.CLOSED, true);
        }
    }

    // ---- socket -> link --------------------------------------------------------------------------------------

    /** Bytes read from the socket. Takes ownership of {@code buf}. */
    void onSocketRead(ByteBuf buf) {
        int before = pendingBytes();
        readFromSocket(buf);
        link.addUnsent(pendingBytes() - before);
    }

    private void readFromSocket(ByteBuf buf) {
        if (state == State.DIALING) {
            // Bytes the client pipelined after its request: they go out once the stream opens.
            bytesFromSocket += buf.readableBytes();
            if (pending == null) {
                pending = buf;
            } else {
                appendPending(buf);
            }
            return;
        }
        if (state != State.OPEN || closeSent) {
            buf.release();
            return;
        }
        bytesFromSocket += buf.readableBytes();
        if (pending != null) {
            appendPending(buf);
        } else {
            sendWithinCredit(buf);
        }
        updateReading();
    }

    private void sendWithinCredit(ByteBuf buf) {
        int chunk = link.sendChunkSize();
        while (sendCredit > 0 && buf.isReadable()) {
            int len = Math.min(Math.min(sendCredit, buf.readableBytes()), chunk);
            link.writeStreamFrame(new DataFrame(id, buf.readRetainedSlice(len)));
            sendCredit -= len;
        }
        if (buf.isReadable()) {
            pending = buf;
        } else {
            buf.release();
        }
    }

    private void appendPending(ByteBuf buf) {
        CompositeByteBuf composite;
        if (pending instanceof CompositeByteBuf c) {
            composite = c;
        } else {
            composite = socketCtx.alloc().compositeBuffer();
            composite.addComponent(true, pending);
            pending = composite;
        }
        composite.addComponent(true, buf);
    }

    /** The socket reached end of input: send CLOSE once everything read has gone out. */
    void onSocketEof() {
        if (!socketEof && !outputShut && state != State.CLOSED && Transports.canReadTcpState(socketCtx.channel())) {
            link.watchHalfClosed(this);
        }
        socketEof = true;
        maybeSendClose();
        updateReading();
    }

    /**
     * Checks, for the link's periodic probe, whether the socket of this half-closed stream was reset by its peer, and
     * aborts the stream if so. Returns whether the stream still needs watching (its output is open).
     */
    boolean probeHalfClosedSocket() {
        if (state == State.CLOSED || outputShut) {
            return false;
        }
        if (Transports.isTcpClosed(socketCtx.channel())) {
            reset(TunnelErrorCode.CANCEL, "socket reset by peer");
            return false;
        }
        return true;
    }

    private void maybeSendClose() {
        if (state == State.OPEN && socketEof && pending == null && !closeSent) {
            closeSent = true;
            link.writeStreamFrame(new CloseFrame(id));
            link.flushSoon();
            maybeFinish();
        }
    }

    /** Peer granted more credit. */
    public void onWindowUpdate(WindowUpdateFrame update) {
        if (state != State.OPEN) {
            return;
        }
        long credit = (long) sendCredit + update.increment();
        if (credit > ProtocolConstants.MAX_WINDOW) {
            reset(TunnelErrorCode.FLOW_CONTROL_ERROR, "window grew past 2^31-1");
            return;
        }
        sendCredit = (int) credit;
        if (pending != null) {
            int before = pendingBytes();
            ByteBuf buf = pending;
            pending = null;
            sendWithinCredit(buf);
            link.addUnsent(pendingBytes() - before);
            maybeSendClose();
        }
        updateReading();
    }

    /**
     * Re-evaluates whether the socket may be read: open, credit left, nothing pending, link writable. After the end
     * of input the socket is read on, where it still can be (a TLS close_notify without FIN): no data can follow,
     * but its FIN or reset then gets noticed.
     */
    void updateReading() {
        if (socketCtx == null) {
            return;
        }
        boolean read = state == State.OPEN && readEnabled && (socketEof
                || !closeSent && pending == null && sendCredit > 0 && link.channel().isWritable());
        if (read != reading) {
            reading = read;
            applyAutoRead(socketCtx.channel(), read);
        }
    }

    /**
     * Sets auto-read on the socket, never turning reading back on after its input ended: there the
     * epoll transport may already have dropped the descriptor from its set, and a late read would fail it.
     */
    private static void applyAutoRead(Channel channel, boolean read) {
        if (read && channel instanceof DuplexChannel duplex && duplex.isInputShutdown()) {
            return;
        }
        channel.config().setAutoRead(read);
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
        if (closeReceived) {
            frame.release();
            reset(TunnelErrorCode.STREAM_CLOSED, "DATA after CLOSE");
            return;
        }
        if (len > recvCredit) {
            frame.release();
            reset(TunnelErrorCode.FLOW_CONTROL_ERROR, "DATA beyond the granted window");
            return;
        }
        recvCredit -= len;
        bytesToSocket += len;
        writesInFlight++;
        link.addUnwritten(len);
        ChannelPromise promise = socketCtx.newPromise();
        promise.addListener(f -> onSocketWritten(len, f.cause()));
        socketCtx.write(frame.content(), promise);
        if (!dirty) {
            dirty = true;
            link.markSocketDirty(this);
        }
    }

    void flushSocket() {
        dirty = false;
        if (state != State.CLOSED) {
            socketCtx.flush();
        }
    }

    private void onSocketWritten(int len, Throwable failure) {
        writesInFlight--;
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
        recvUnacked += len;
        if (!closeReceived && recvUnacked >= recvWindow / 2) {
            sendWindowUpdate();
        }
        maybeShutdownOutput();
    }

    private void sendWindowUpdate() {
        int increment = recvUnacked;
        long now = link.eventLoop().ticker().nanoTime();
        if (recvWindow < LinkConstants.MAX_STREAM_WINDOW && now - lastUpdateNanos < link.windowGrowthIntervalNanos()) {
            // Half the window drained within about a round trip: the window, not the network, is the limit.
            int growth = Math.min(recvWindow, LinkConstants.MAX_STREAM_WINDOW - recvWindow);
            if (link.reserveWindowGrowth(growth)) {
                recvWindow += growth;
                increment += growth;
            }
        }
        lastUpdateNanos = now;
        recvUnacked = 0;
        recvCredit += increment;
        link.write(new WindowUpdateFrame(id, increment));
        link.flushSoon();
    }

    /** Peer half-closed: shut down the socket's output once everything before it is written. */
    public void onRemoteClose() {
        if (state != State.OPEN) {
            return;
        }
        if (closeReceived) {
            reset(TunnelErrorCode.STREAM_CLOSED, "second CLOSE");
            return;
        }
        closeReceived = true;
        maybeShutdownOutput();
    }

    private void maybeShutdownOutput() {
        if (closeReceived && !outputShut && writesInFlight == 0 && state == State.OPEN) {
            outputShut = true;
            if (dirty) {
                flushSocket();
            }
            Transports.shutdownOutput(socketCtx.channel());
            maybeFinish();
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
        if (socketCtx != null) {
            socketCtx.channel().close();
        }
    }

    @Override
    public String toString() {
        return "stream " + id + " -> " + target;
    }
}
