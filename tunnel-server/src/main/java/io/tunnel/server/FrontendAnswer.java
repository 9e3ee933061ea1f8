package io.tunnel.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

/**
 * The one answer a frontend connection gets: {@code 200} once its stream opened, or a refusal (a constant response,
 * then the close). Whatever comes first wins; every later attempt is a no-op, so a malformed request followed by the
 * client's FIN, or a dial that fails while the client goes away, is answered and logged once. The {@link Wire} puts
 * the answer in the frontend's protocol: an HTTP response on the CONNECT port; nothing or a TLS alert on the SNI port,
 * whose access-log lines and metrics carry the same statuses. Forwarded (absolute-form) requests are answered by
 * their destinations ({@link ForwardExchange}); a connection serves them until one of these answers ends it.
 *
 * <p>A refusal before any stream existed writes its access-log line here; a failed dial's line is written when its
 * stream ends ({@link AccessLog#streamEnded}). Every method runs on the connection's event loop, or hops onto it.
 */
final class FrontendAnswer {
    /** What a frontend writes for an answer. */
    @FunctionalInterface
    interface Wire {
        /** The CONNECT frontend's: the HTTP response. */
        Wire HTTP = ProxyResponse::toBuffer;
        /** No bytes: the close alone answers. */
        Wire NOTHING = outcome -> null;

        /** A new buffer to write for {@code outcome}, or {@code null} to write nothing. */
        ByteBuf bytes(ProxyResponse outcome);
    }

    private final Channel channel;
    private final AccessLog accessLog;
    private final Wire wire;
    private boolean answered;
    private ProxyIdentity identity = ProxyIdentity.ANONYMOUS;

    /** The answer of a CONNECT connection, in HTTP. */
    FrontendAnswer(Channel channel, AccessLog accessLog) {
        this(channel, accessLog, Wire.HTTP);
    }

    FrontendAnswer(Channel channel, AccessLog accessLog, Wire wire) {
        this.channel = channel;
        this.accessLog = accessLog;
        this.wire = wire;
    }

    /** Whether the connection was answered already. */
    boolean isAnswered() {
        return answered;
    }

    /** Who the client is, once {@link ProxyAuthenticator} said so: its access-log lines name it. */
    void identify(ProxyIdentity client) {
        this.identity = client;
    }

    ProxyIdentity identity() {
        return identity;
    }

    /**
     * Refuses a tunnel (a CONNECT, an SNI route) before any stream was opened for it, or a request not understood
     * ({@code target} {@code -}): access-log line, constant response, close.
     */
    void refuse(ProxyResponse response, String target, String reason) {
        refuse(response, wire, target, reason);
    }

    /** Like {@link #refuse(ProxyResponse, String, String)}, with the bytes {@code how} writes for it. */
    void refuse(ProxyResponse response, Wire how, String target, String reason) {
        refuse(response, how, target.equals(AccessLog.NO_METHOD) ? AccessLog.NO_METHOD : AccessLog.TUNNEL, target,
                reason);
    }

    /**
     * Refuses the request {@code method target} before any stream was opened for it: access-log line, constant
     * response, close.
     */
    void refuseRequest(ProxyResponse response, String method, String target, String reason) {
        refuse(response, wire, method, target, reason);
    }

    private void refuse(ProxyResponse response, Wire how, String method, String target, String reason) {
        onLoop(() -> {
            if (!answered) {
                accessLog.refused(FrontendClient.describe(channel), method, target, response, reason, identity.name());
                respondAndClose(response, how);
            }
        });
    }

    /**
     * Answers a dial that failed, or a forwarded exchange that failed before its response began (its stream's end
     * logs it): constant response, close.
     */
    void dialFailed(ProxyResponse response) {
        onLoop(() -> respondAndClose(response, wire));
    }

    /** Writes {@code 200}: the stream is open and the relay may start. On the connection's loop. */
    void established() {
        answered = true;
        ByteBuf bytes = wire.bytes(ProxyResponse.ESTABLISHED);
        if (bytes != null) {
            channel.writeAndFlush(bytes, channel.voidPromise());
        }
    }

    private void respondAndClose(ProxyResponse response, Wire how) {
        if (answered) {
            return;
        }
        answered = true;
        ByteBuf bytes = channel.isActive() ? how.bytes(response) : null;
        if (bytes != null) {
            channel.writeAndFlush(bytes).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
    }

    private void onLoop(Runnable task) {
        if (channel.eventLoop().inEventLoop()) {
            task.run();
        } else {
            channel.eventLoop().execute(task);
        }
    }
}
