package io.tunnel.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

/**
 * The frontend's own answer on a connection: {@code 200} once a CONNECT's stream opened, or a refusal (a constant
 * response, then the close). Whatever comes first wins; every later attempt is a no-op, so a malformed request followed
 * by the client's FIN, or a dial that fails while the client goes away, is answered and logged once. Forwarded
 * (absolute-form) requests are answered by their destinations; a connection serves them until one of these ends it.
 *
 * <p>A refusal before any stream existed writes its access-log line here; a failed dial's line is written when its
 * stream ends ({@link AccessLog#streamEnded}). Every method runs on the connection's event loop, or hops onto it.
 */
final class FrontendAnswer {
    private final Channel channel;
    private final AccessLog accessLog;
    private boolean answered;

    FrontendAnswer(Channel channel, AccessLog accessLog) {
        this.channel = channel;
        this.accessLog = accessLog;
    }

    /** Whether the connection was answered already. */
    boolean isAnswered() {
        return answered;
    }

    /** Refuses a CONNECT before any stream was opened for it: access-log line, constant response, close. */
    void refuse(ProxyResponse response, String target, String reason) {
        refuse(response, "CONNECT", target, reason);
    }

    /**
     * Refuses a request before any stream was opened for it: access-log line, constant response, close. The method
     * and target are {@code -} when the request head was not understood.
     */
    void refuse(ProxyResponse response, String method, String target, String reason) {
        onLoop(() -> {
            if (!answered) {
                accessLog.refused(channel.remoteAddress(), method, target, response, reason);
                respondAndClose(response);
            }
        });
    }

    /**
     * Answers a dial that failed, or a forwarded exchange that failed before its response began (its stream's end
     * logs it): constant response, close.
     */
    void dialFailed(ProxyResponse response) {
        onLoop(() -> respondAndClose(response));
    }

    /** Writes {@code 200}: the stream is open and the relay may start. On the connection's loop. */
    void established() {
        answered = true;
        channel.writeAndFlush(ProxyResponse.ESTABLISHED.toBuffer(), channel.voidPromise());
    }

    private void respondAndClose(ProxyResponse response) {
        if (answered) {
            return;
        }
        answered = true;
        if (channel.isActive()) {
            channel.writeAndFlush(response.toBuffer()).addListener(ChannelFutureListener.CLOSE);
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
