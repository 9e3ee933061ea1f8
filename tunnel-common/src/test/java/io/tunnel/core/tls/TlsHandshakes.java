package io.tunnel.core.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;

/**
 * A TLS handshake between two {@link EmbeddedChannel}s, bytes pumped by hand: what each side's handshake future
 * failed with, for tests of what failed handshakes look like.
 */
public final class TlsHandshakes {
    /** How each side's handshake ended: {@code null} for success. */
    record Outcome(Throwable client, Throwable server) {
    }

    private TlsHandshakes() {
    }

    static Outcome run(SslContext client, String host, SslContext server) {
        EmbeddedChannel c = new EmbeddedChannel();
        EmbeddedChannel s = new EmbeddedChannel();
        try {
            SslHandler clientSsl = client.newHandler(c.alloc(), host, 443);
            SslHandler serverSsl = server.newHandler(s.alloc());
            c.pipeline().addLast(clientSsl);
            s.pipeline().addLast(serverSsl);
            for (int round = 0; round < 20 && !(clientSsl.handshakeFuture().isDone()
                    && serverSsl.handshakeFuture().isDone()); round++) {
                boolean moved = pump(c, s) | pump(s, c);
                if (!moved && round > 2) {
                    break;
                }
            }
            // One more round: alerts sent on failure.
            pump(c, s);
            pump(s, c);
            return new Outcome(cause(clientSsl), cause(serverSsl));
        } finally {
            c.finishAndReleaseAll();
            s.finishAndReleaseAll();
        }
    }

    static Outcome plaintextTo(SslContext server, byte[] bytes) {
        EmbeddedChannel s = new EmbeddedChannel();
        try {
            SslHandler serverSsl = server.newHandler(s.alloc());
            s.pipeline().addLast(serverSsl);
            try {
                s.writeInbound(io.netty.buffer.Unpooled.wrappedBuffer(bytes));
            } catch (RuntimeException e) {
                // the decoder's exception; the handshake future carries it too
            }
            return new Outcome(null, cause(serverSsl));
        } finally {
            s.finishAndReleaseAll();
        }
    }

    private static Throwable cause(SslHandler ssl) {
        return ssl.handshakeFuture().isDone() ? ssl.handshakeFuture().cause() : new IllegalStateException("not done");
    }

    /**
     * Moves what {@code from} wrote into {@code to} (released if {@code to} is closed); {@code true} if anything moved.
     * A handler's exception on the way is swallowed: a failed handshake surfaces in its future and events.
     */
    public static boolean pump(EmbeddedChannel from, EmbeddedChannel to) {
        boolean moved = false;
        ByteBuf buf;
        while ((buf = from.readOutbound()) != null) {
            moved = true;
            if (to.isOpen()) {
                try {
                    to.writeInbound(buf);
                } catch (RuntimeException e) {
                    // a failed handshake surfaces in its future
                }
            } else {
                buf.release();
            }
        }
        return moved;
    }
}
