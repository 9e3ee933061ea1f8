package io.tunnel.client;

import io.tunnel.core.PipelineNames;

/**
 * Names of the handlers of the client's channels, and their order.
 *
 * <pre>
 * a channel to the proxy, while CONNECT is answered ({@link TunnelClient#dialChannel})
 *   [SSL] → PROXY_DECODER → CONNECT_HANDSHAKE
 * (on a caller's bootstrap, the handlers its handler added, e.g. its SslHandler, take the place of SSL)
 *
 * the same channel as {@code dialChannel} returns it (AUTO_READ off), until its first read()
 *   [SSL] → HANDOVER → (your handlers)
 *
 * and after that first read()
 *   [SSL] → (your handlers)
 *
 * tunnel-client forward: an accepted local connection (AUTO_READ off until its tunnel is open), and its tunnel
 *   FORWARD → HANDOVER (both until the tunnel is open) → RELAY
 *   [SSL] → RELAY
 * </pre>
 */
public final class ClientPipeline {
    /** TLS to the proxy, when the config has a CA certificate. */
    public static final String SSL = PipelineNames.SSL;
    public static final String PROXY_DECODER = "proxy-decoder";
    public static final String CONNECT_HANDSHAKE = "connect-handshake";
    public static final String HANDOVER = "handover";
    public static final String FORWARD = "forward";
    public static final String RELAY = PipelineNames.RELAY;

    private ClientPipeline() {
    }
}
