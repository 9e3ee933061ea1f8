package io.tunnel.core;

/**
 * Names of every handler in the tunnel's pipelines, and their order on each side.
 *
 * <pre>
 * server, agent port (one channel per agent link)
 *   SSL → KEEPALIVE → FRAME_DECODER → FRAME_ENCODER → HANDSHAKE (until HELLO) → LINK
 *
 * agent, link to the server
 *   SSL → KEEPALIVE → FRAME_DECODER → FRAME_ENCODER → HANDSHAKE (until HELLO_ACK) → LINK
 *
 * server, frontend port and Unix socket (one channel per client; the socket's is plaintext)
 *   [TLS_START (until the first byte, then replaced by SSL) → TLS_HANDSHAKE (until the handshake and the client
 *     certificate's usage passed) → TLS_INPUT_END]
 *     → CONNECT_DECODER (until the request head) → PROXY_AUTH (until the client is known) → CONNECT (until the dial
 *     result) → RELAY (on the agent link's loop)
 *
 * server, SNI port (one channel per TLS client, whose TLS is relayed, never terminated)
 *   SNI_HELLO (until the ClientHello's server name is routed) → SNI (until the dial result) → RELAY (as above)
 *
 * agent, destination socket (registered on the link's event loop)
 *   RELAY
 *
 * health port (both sides)
 *   HTTP_CODEC → HTTP_AGGREGATOR → HEALTH
 * </pre>
 *
 * The client library's own channels are drawn in {@code io.tunnel.client.ClientPipeline}, the pod webhook's in
 * {@code io.tunnel.agent.webhook.WebhookPipeline}.
 */
public final class PipelineNames {
    public static final String TLS_START = "tls-start";
    public static final String SSL = "ssl";
    public static final String TLS_HANDSHAKE = "tls-handshake";
    public static final String TLS_INPUT_END = "tls-input-end";
    public static final String KEEPALIVE = "keepalive";
    public static final String FRAME_DECODER = "frame-decoder";
    public static final String FRAME_ENCODER = "frame-encoder";
    public static final String HANDSHAKE = "handshake";
    public static final String LINK = "link";
    public static final String CONNECT_DECODER = "connect-decoder";
    public static final String PROXY_AUTH = "proxy-auth";
    public static final String CONNECT = "connect";
    public static final String RELAY = "relay";
    public static final String SNI_HELLO = "sni-hello";
    public static final String SNI = "sni";
    public static final String HTTP_CODEC = "http-codec";
    public static final String HTTP_AGGREGATOR = "http-aggregator";
    public static final String HEALTH = "health";

    private PipelineNames() {
    }
}
