package io.tunnel.server;

import io.tunnel.core.link.StreamListener;
import io.tunnel.core.link.StreamResult;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.link.TunnelStream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One line per request when its stream ends (a CONNECT, or one forwarded absolute-form request), on the
 * {@code tunnel.access} logger: who, the method, where to ({@code host:port}, or a forwarded request's
 * {@code http://host:port/path} without its query), through which agent, the answer given (a forwarded request's:
 * the destination's status), how the stream ended, bytes each way, how long it lasted, how the agent was chosen
 * ({@code strategy=}: a {@link ProxyStrategy} name or {@code header}) and over which link. A stream whose dial was
 * taken back to be made over another link gets a line with {@code status=-}: the client's answer is on the line of
 * the stream that followed. The line ends with the client's {@code identity=} ({@link ProxyIdentity#name()}: its
 * certificate's subject, its user or token name, or {@code -}).
 */
public final class AccessLog implements StreamListener {
    private static final Logger LOG = LogManager.getLogger("tunnel.access");
    /** The method of a tunnel's line: a CONNECT's, and an SNI route's, which is a tunnel too. */
    static final String TUNNEL = "CONNECT";
    /** The method and target of a line whose request head was not understood. */
    static final String NO_METHOD = "-";

    private final ServerMetrics metrics;
    private final boolean openLines;

    /** Lines when streams end (and requests are refused) only. */
    public AccessLog(ServerMetrics metrics) {
        this(metrics, false);
    }

    /** @param openLines also a line when a stream opens ({@code event=opened}, {@code --access-log-open}) */
    public AccessLog(ServerMetrics metrics, boolean openLines) {
        this.metrics = metrics;
        this.openLines = openLines;
    }

    @Override
    public void streamOpened(TunnelLink link, TunnelStream stream) {
        if (openLines) {
            event(link, stream, "opened");
        }
    }

    /** A line for a stream that is still open: the bytes and the time so far ({@code --access-log-progress}). */
    void progress(TunnelLink link, TunnelStream stream) {
        event(link, stream, "progress");
    }

    private static void event(TunnelLink link, TunnelStream stream, String event) {
        String method = stream.socket() instanceof ForwardExchange exchange ? exchange.method() : TUNNEL;
        LOG.info("client={} method={} target={} agent={} stream={} event={} up={} down={} duration_ms={} strategy={} "
                        + "link={} identity={}", stream.client(), method, stream.target(), link.peerId(), stream.id(),
                event, stream.bytesFromSocket(), stream.bytesToSocket(), stream.durationMillis(), stream.route(),
                link.channel().id().asShortText(), stream.identity());
    }

    /** A stream was created for a request; it will end exactly once through {@link #streamEnded}. */
    public void streamStarted() {
        metrics.streamStarted();
    }

    @Override
    public void streamEnded(TunnelLink link, TunnelStream stream, StreamResult result) {
        String linkId = link.channel().id().asShortText();
        ForwardExchange forward = stream.socket() instanceof ForwardExchange exchange ? exchange : null;
        String method = forward == null ? TUNNEL : forward.method();
        String target = stream.target();
        if (stream.wasWithdrawn()) {
            metrics.streamWithdrawn();
            LOG.info("client={} method={} target={} agent={} stream={} status=- end=\"{}; dialled again over another "
                            + "link\" up=0 down=0 duration_ms={} strategy={} link={} identity={}", stream.client(), method,
                    target, link.peerId(), stream.id(), result, stream.durationMillis(), stream.route(), linkId,
                    stream.identity());
            return;
        }
        int status;
        if (!stream.wasOpened()) {
            status = ProxyResponse.forDialError(result.code()).status();
        } else if (forward == null) {
            status = ProxyResponse.ESTABLISHED.status();
        } else {
            // 0: the exchange ended before any answer, the client gone
            status = forward.status() != 0 ? forward.status() : ProxyResponse.BAD_GATEWAY.status();
        }
        metrics.streamEnded(forward == null, status, stream.bytesFromSocket(), stream.bytesToSocket());
        LOG.info("client={} method={} target={} agent={} stream={} status={} end=\"{}\" up={} down={} duration_ms={} "
                        + "strategy={} link={} identity={}", stream.client(), method, target, link.peerId(), stream.id(),
                status, result, stream.bytesFromSocket(), stream.bytesToSocket(), stream.durationMillis(),
                stream.route(), linkId, stream.identity());
    }

    /**
     * A request refused before any stream existed; {@code reason} says why (no agent: what routing tried). The method
     * and target are {@link #NO_METHOD} when the head was not understood; {@code identity} is the client's name,
     * {@code -} if unknown.
     */
    public void refused(String client, String method, String target, ProxyResponse response, String reason,
                        String identity) {
        metrics.refused(!isForwarded(method), response);
        LOG.info("client={} method={} target={} agent=- stream=- status={} end=\"{}\" up=0 down=0 duration_ms=0 "
                + "strategy=- link=- identity={}", client, method, target, response.status(), reason, identity);
    }

    /** Whether {@code method} is a forwarded (absolute-form) request's, rather than a tunnel's or none. */
    private static boolean isForwarded(String method) {
        return !method.equals(TUNNEL) && !method.equals(NO_METHOD);
    }
}
