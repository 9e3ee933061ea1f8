package io.tunnel.core.link;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;

/**
 * The local end of a {@link TunnelStream}: the socket whose bytes it relays, the client's on the server and the
 * destination's on the agent. The stream drives it through these calls only, so what sits behind (a plain socket,
 * TLS, a translating codec) is the socket's business. Every call is made on the link's event loop.
 */
public interface StreamSocket {
    /** The allocator for buffers that end up in this socket's channel. */
    ByteBufAllocator alloc();

    /** Queues {@code data} (ownership passes); the future completes once it was written, or failed. */
    ChannelFuture write(ByteBuf data);

    /** Flushes what {@link #write} queued. */
    void flush();

    /** Ends the output after everything written before: TLS close_notify where the socket speaks TLS, then FIN. */
    void shutdownOutput();

    /**
     * Ends the output as {@link #shutdownOutput} does, then closes: for a socket whose input ended already, when the
     * stream ends with it. A socket may close at once where that sends the same end (the FIN, or close_notify then
     * FIN, after what was written) without the half-close before it.
     */
    default void shutdownOutputAndClose() {
        shutdownOutput();
        close();
    }

    /** Starts or stops reading; the socket delivers to the stream only while reading. */
    void setReading(boolean read);

    /** Whether the kernel reports the connection reset; {@code false} where it cannot tell. */
    boolean isReset();

    /** Whether {@link #isReset()} can tell anything for this socket. */
    boolean canDetectReset();

    /** Closes abortively: the local peer sees a reset (TCP RST, no TLS close_notify), never a clean end. */
    void abort();

    /** Closes after what was written (a clean close where it still can be). */
    void close();
}
