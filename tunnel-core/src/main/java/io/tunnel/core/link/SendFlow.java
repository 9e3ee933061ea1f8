package io.tunnel.core.link;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.tunnel.core.buffer.Buffers;
import io.tunnel.core.protocol.CloseFrame;
import io.tunnel.core.protocol.DataFrame;
import io.tunnel.core.protocol.ProtocolConstants;

/**
 * Socket → link flow control of one stream (what Netty's HTTP/2 code calls the remote flow controller): bytes read
 * from the socket go out as DATA only within the credit the peer granted; the rest waits in {@code pending} until a
 * WINDOW_UPDATE, and the socket is not read meanwhile. The end of input becomes CLOSE once nothing is pending.
 *
 * <p>Owns {@code pending} and releases it in {@link #release()}. Confined to the link's event loop.
 */
final class SendFlow {
    private final int streamId;
    private final StreamFrameWriter out;
    private final int chunkSize;
    private int credit;
    private ByteBuf pending;
    private long bytes;
    private boolean inputEnded;
    private boolean closeSent;

    /**
     * @param chunkSize largest DATA payload to send (the peer's maximum frame size, capped at one TLS record)
     * @param credit    the peer's initial window
     */
    SendFlow(int streamId, StreamFrameWriter out, int chunkSize, int credit) {
        this.streamId = streamId;
        this.out = out;
        this.chunkSize = chunkSize;
        this.credit = credit;
    }

    /**
     * Bytes read from the socket (ownership passes): sent within the credit, the rest kept pending. Bytes read after
     * CLOSE went out cannot be sent and are dropped.
     */
    void onRead(ByteBuf buf, ByteBufAllocator alloc) {
        if (closeSent) {
            buf.release();
            return;
        }
        bytes += buf.readableBytes();
        if (pending != null) {
            pending = Buffers.append(pending, buf, alloc);
        } else {
            sendWithinCredit(buf);
        }
    }

    /**
     * The peer granted {@code increment} more bytes; sends what was pending within it.
     *
     * @return {@code false} if the window would grow past 2³¹−1 (nothing changed then)
     */
    boolean onWindowUpdate(int increment) {
        long grown = (long) credit + increment;
        if (grown > ProtocolConstants.MAX_WINDOW) {
            return false;
        }
        credit = (int) grown;
        flushPending();
        return true;
    }

    /** Sends what is pending within the credit (after reading was enabled, or credit came back). */
    void flushPending() {
        if (pending != null) {
            ByteBuf buf = pending;
            pending = null;
            sendWithinCredit(buf);
        }
    }

    /** The socket's input ended: CLOSE goes out once nothing is pending. */
    void onInputEnd() {
        inputEnded = true;
    }

    /** Sends CLOSE if the input ended and everything read went out; {@code true} if it sent it now. */
    boolean maybeSendClose() {
        if (inputEnded && pending == null && !closeSent) {
            closeSent = true;
            out.writeStreamFrame(new CloseFrame(streamId));
            return true;
        }
        return false;
    }

    /** Whether reading the socket could send something now: not ended, nothing pending, credit left. */
    boolean canSend() {
        return !closeSent && pending == null && credit > 0;
    }

    boolean inputEnded() {
        return inputEnded;
    }

    boolean closeSent() {
        return closeSent;
    }

    int credit() {
        return credit;
    }

    /** Bytes read that wait for credit. */
    int pendingBytes() {
        return pending == null ? 0 : pending.readableBytes();
    }

    /** Bytes read from the socket, sent or pending. */
    long bytes() {
        return bytes;
    }

    /** Drops what is pending; the stream ended. */
    void release() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    private void sendWithinCredit(ByteBuf buf) {
        while (credit > 0 && buf.isReadable()) {
            int len = Math.min(Math.min(credit, buf.readableBytes()), chunkSize);
            out.writeStreamFrame(new DataFrame(streamId, buf.readRetainedSlice(len)));
            credit -= len;
        }
        if (buf.isReadable()) {
            pending = buf;
        } else {
            buf.release();
        }
    }
}
