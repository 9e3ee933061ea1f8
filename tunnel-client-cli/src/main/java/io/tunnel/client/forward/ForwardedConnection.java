package io.tunnel.client.forward;

import io.netty.channel.Channel;
import io.tunnel.core.net.Addresses;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One forwarded connection's record: bytes each way, how each side ended, the first error. Written on the event
 * loop both of its channels share; logs one line to {@code tunnel.forward} once both channels are closed.
 */
final class ForwardedConnection {
    private static final Logger ACCESS = LogManager.getLogger("tunnel.forward");

    /** The two ends of a forwarded connection. */
    enum Side { LOCAL, TUNNEL }

    private final SocketAddress client;
    private final String target;
    private final long startNanos = System.nanoTime();
    private long bytesUp;
    private long bytesDown;
    private boolean localEof;
    private boolean tunnelEof;
    private boolean tunnelOpened;
    private int open = 1;
    private String failure;

    ForwardedConnection(SocketAddress client, String target) {
        this.client = client;
        this.target = target;
    }

    /** The local connection; its close is watched from now on. */
    void watchLocal(Channel local) {
        local.closeFuture().addListener(f -> closed());
    }

    /** The tunnel opened; its close is watched too. */
    void tunnelOpened(Channel tunnel) {
        tunnelOpened = true;
        open++;
        tunnel.closeFuture().addListener(f -> closed());
    }

    void dialFailed(Throwable cause) {
        failure = "dial failed: " + cause.getMessage();
    }

    void read(Side side, int bytes) {
        if (side == Side.LOCAL) {
            bytesUp += bytes;
        } else {
            bytesDown += bytes;
        }
    }

    void inputEnded(Side side) {
        if (side == Side.LOCAL) {
            localEof = true;
        } else {
            tunnelEof = true;
        }
    }

    /** Keeps the first error of the connection for its log line (a write racing a close is not one). */
    void failed(Side side, Throwable cause) {
        if (failure == null && !(cause instanceof ClosedChannelException)) {
            failure = side.name().toLowerCase() + " error: " + cause;
        }
    }

    private void closed() {
        if (--open > 0) {
            return;
        }
        String result;
        if (failure != null) {
            result = failure;
        } else if (!tunnelOpened) {
            result = "closed before the tunnel opened";
        } else if (localEof && tunnelEof) {
            result = "ok";
        } else {
            result = "closed (" + (localEof ? "" : "local ") + (tunnelEof ? "" : "tunnel ") + "without EOF)";
        }
        ACCESS.info("client={} target={} up={} down={} duration_ms={} result={}", Addresses.text(client), target, bytesUp, bytesDown,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), result);
    }
}
