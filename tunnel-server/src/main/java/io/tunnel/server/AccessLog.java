package io.tunnel.server;

import io.tunnel.core.link.StreamListener;
import io.tunnel.core.link.StreamResult;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.link.TunnelStream;
import java.net.SocketAddress;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One line per CONNECT when it ends, on the {@code tunnel.access} logger: who, where to, through which agent, the
 * answer given, how it ended, bytes each way and how long it lasted.
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
        ProxyResponse response = stream.wasOpened() ? ProxyResponse.ESTABLISHED
                : ProxyResponse.forDialError(result.code());
        metrics.streamEnded(response, stream.bytesFromSocket(), stream.bytesToSocket());
        LOG.info("client={} target={} agent={} stream={} status={} end=\"{}\" up={} down={} duration_ms={}",
                stream.client(), stream.target(), link.peerId(), stream.id(), response.status(), result,
                stream.bytesFromSocket(), stream.bytesToSocket(), stream.durationMillis());
    }

    /** A request refused before any stream existed. */
    public void refused(SocketAddress client, String target, ProxyResponse response, String reason) {
        metrics.refused(response);
        LOG.info("client={} target={} agent=- stream=- status={} end=\"{}\" up=0 down=0 duration_ms=0",
                client, target, response.status(), reason);
    }
}
