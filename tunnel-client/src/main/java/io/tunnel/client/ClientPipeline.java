package io.tunnel.client;

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
 *
 * {@link #SSL} and {@link #RELAY} are the names tunnel-server and tunnel-agent give the handlers of the same role
 * ({@code io.tunnel.core.PipelineNames}, which this library does not depend on).
 */
public final class ClientPipeline {
    /** TLS to the proxy ({@code SslHandler}), when the config has a CA certificate. */
    public static final String SSL = "ssl";
    /** Reads the proxy's answer to CONNECT, and nothing behind it. */
    public static final String PROXY_DECODER = "proxy-decoder";
    /** Sends CONNECT, bounds the wait for the answer and completes the dial. */
    public static final String CONNECT_HANDSHAKE = "connect-handshake";
    /** Holds what arrives between the proxy's {@code 200} and the first {@code read()} ({@link HandoverHandler}). */
    public static final String HANDOVER = "handover";
    /** tunnel-client forward: opens the tunnel of an accepted local connection. */
    public static final String FORWARD = "forward";
    /** tunnel-client forward: copies bytes between a local connection and its tunnel. */
    public static final String RELAY = "relay";

    private ClientPipeline() {
    }
}
