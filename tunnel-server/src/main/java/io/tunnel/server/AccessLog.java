package io.tunnel.server;

import io.tunnel.core.link.StreamListener;
import io.tunnel.core.link.StreamResult;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.link.TunnelStream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One line per CONNECT when it ends, on the {@code tunnel.access} logger: who, where to, through which agent, the
 * answer given, how it ended, bytes each way, how long it lasted, how the agent was chosen ({@code strategy=}: a
 * {@link ProxyStrategy} name or {@code header}) and over which link. A stream whose dial was taken back to be made over
 * another link gets a line with {@code status=-}: the client's answer is on the line of the stream that followed.
 * The line ends with the client's {@code identity=} ({@link ProxyIdentity#name()}: its certificate's subject, its user
 * or token name, or {@code -}).
 */
public final class AccessLog implements StreamListener {
    private static final Logger LOG = LogManager.getLogger("tunnel.access");

    private final ServerMetrics metrics;

    public AccessLog(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    /** A stream was created for a CONNECT; it will end exactly once through {@link #streamEnded}. */
    public void streamStarted() {
        metrics.streamStarted();
    }

    @Override
    public void streamEnded(TunnelLink link, TunnelStream stream, StreamResult result) {
        String linkId = link.channel().id().asShortText();
        if (stream.wasWithdrawn()) {
            metrics.streamWithdrawn();
            LOG.info("client={} target={} agent={} stream={} status=- end=\"{}; dialled again over another link\" "
                            + "up=0 down=0 duration_ms={} strategy={} link={} identity={}", stream.client(),
                    stream.target(), link.peerId(), stream.id(), result, stream.durationMillis(), stream.route(),
                    linkId, stream.identity());
            return;
        }
        ProxyResponse response = stream.wasOpened() ? ProxyResponse.ESTABLISHED
                : ProxyResponse.forDialError(result.code());
        metrics.streamEnded(response, stream.bytesFromSocket(), stream.bytesToSocket());
        LOG.info("client={} target={} agent={} stream={} status={} end=\"{}\" up={} down={} duration_ms={} "
                        + "strategy={} link={} identity={}", stream.client(), stream.target(), link.peerId(),
                stream.id(), response.status(), result, stream.bytesFromSocket(), stream.bytesToSocket(),
                stream.durationMillis(), stream.route(), linkId, stream.identity());
    }

    /**
     * A request refused before any stream existed; {@code reason} says why (no agent: what routing tried), {@code
     * identity} is the client's name, {@code -} if unknown.
     */
    public void refused(String client, String target, ProxyResponse response, String reason, String identity) {
        metrics.refused(response);
        LOG.info("client={} target={} agent=- stream=- status={} end=\"{}\" up=0 down=0 duration_ms=0 strategy=- "
                + "link=- identity={}", client, target, response.status(), reason, identity);
    }
}
