package io.tunnel.agent.webhook;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.tunnel.core.PipelineNames;

/**
 * The handlers of each connection to the pod webhook, in order (names from {@link PipelineNames} where they are
 * shared):
 *
 * <pre>
 *   READ_TIMEOUT → SSL → HTTP_CODEC → HTTP_AGGREGATOR → WEBHOOK
 *
 *   HTTP_AGGREGATOR answers 413 to a body over {@value #MAX_REQUEST_BYTES} bytes
 * </pre>
 */
public final class WebhookPipeline {
    public static final String READ_TIMEOUT = "read-timeout";
    public static final String WEBHOOK = "webhook";
    /** Largest request body: the apiserver's own limit for a request (3 MiB), so every real review fits. */
    public static final int MAX_REQUEST_BYTES = 3 * 1024 * 1024;
    /**
     * A connection that sends nothing for this long is closed; longer than the apiserver's idle timeout for its
     * pooled connections (90 s), so the apiserver closes first and never sends a review into a closing socket.
     */
    public static final int READ_TIMEOUT_SECONDS = 120;

    private WebhookPipeline() {
    }

    /** Adds the HTTP part, from the codec on, at the end of {@code pipeline}. */
    static void addHttp(ChannelPipeline pipeline, WebhookHandler handler) {
        pipeline.addLast(PipelineNames.HTTP_CODEC, new HttpServerCodec())
                .addLast(PipelineNames.HTTP_AGGREGATOR, new HttpObjectAggregator(MAX_REQUEST_BYTES))
                .addLast(WEBHOOK, handler);
    }
}
