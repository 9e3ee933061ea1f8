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
 * server, frontend port and Unix socket (one channel per client; the socket's is plaintext; built by
 *   {@code io.tunnel.server.FrontendInitializer})
 *   [TLS_START (until the first byte, then replaced by SSL) → TLS_HANDSHAKE (until the handshake and the client
 *     certificate's usage passed) → TLS_INPUT_END]
 *     → CONNECT_DECODER → PROXY_AUTH (until the client is known; with --frontend-auth) → CONNECT
 *   a CONNECT: CONNECT_DECODER leaves after the request head, CONNECT after the dial result; then RELAY (on the agent
 *     link's loop) is all that remains
 *   an absolute-form request ({@code GET http://…}): CONNECT is replaced by FORWARD, which puts FRONTEND_ENCODER
 *     just before itself; they stay while the connection serves such requests, one at a time, each through a
 *     stream of its own; a CONNECT after them puts CONNECT back in FORWARD's place (and FRONTEND_ENCODER leaves)
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
    /** The frontend's request decoder (CONNECT and absolute-form requests). */
    public static final String CONNECT_DECODER = "connect-decoder";
    /** The frontend's proxy authentication ({@code --frontend-auth}), until the client is known. */
    public static final String PROXY_AUTH = "proxy-auth";
    /** The frontend's encoder of forwarded responses. */
    public static final String FRONTEND_ENCODER = "frontend-encoder";
    public static final String CONNECT = "connect";
    /** The frontend's server of absolute-form ({@code http_proxy}) requests. */
    public static final String FORWARD = "forward";
    public static final String RELAY = "relay";
    public static final String SNI_HELLO = "sni-hello";
    public static final String SNI = "sni";
    public static final String HTTP_CODEC = "http-codec";
    public static final String HTTP_AGGREGATOR = "http-aggregator";
    public static final String HEALTH = "health";

    private PipelineNames() {
    }
}
