package io.tunnel.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

/**
 * The one answer a frontend connection gets: {@code 200} once its stream opened, or a refusal (a constant response,
 * then the close). Whatever comes first wins; every later attempt is a no-op, so a malformed request followed by the
 * client's FIN, or a dial that fails while the client goes away, is answered and logged once.
 *
 * <p>A refusal before any stream existed writes its access-log line here; a failed dial's line is written when its
 * stream ends ({@link AccessLog#streamEnded}). Every method runs on the connection's event loop, or hops onto it.
 */
final class FrontendAnswer {
    private final Channel channel;
    private final AccessLog accessLog;
    private boolean answered;
    private ProxyIdentity identity = ProxyIdentity.ANONYMOUS;

    FrontendAnswer(Channel channel, AccessLog accessLog) {
        this.channel = channel;
        this.accessLog = accessLog;
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

    /** Refuses a request before any stream was opened for it: access-log line, constant response, close. */
    void refuse(ProxyResponse response, String target, String reason) {
        onLoop(() -> {
            if (!answered) {
                accessLog.refused(channel.remoteAddress(), target, response, reason, identity.name());
                respondAndClose(response);
            }
        });
    }

    /** Answers a dial that failed (its stream's end logs it): constant response, close. */
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
