package io.tunnel.client.request;

import io.tunnel.client.TunnelClientConfig;
import java.time.Duration;

/**
 * One GET through the tunnel.
 *
 * @param proxy       how to reach the proxy
 * @param host        the destination host, as the agent resolves it
 * @param port        the destination port
 * @param path        path and query, starting with {@code /}
 * @param readTimeout longest silence while reading the response
 */
public record RequestConfig(TunnelClientConfig proxy, String host, int port, String path, Duration readTimeout) {
}
