package io.tunnel.server;

import java.net.InetSocketAddress;

/**
 * The SNI passthrough frontend ({@link SniFrontend}), fixed before the server starts.
 *
 * @param address       where TLS clients connect
 * @param routes        the server names relayed, and where to
 * @param proxyProtocol whether a PROXY protocol v2 header with the client's address goes to each destination ahead of
 *                      the client's bytes
 */
public record SniConfig(InetSocketAddress address, SniRoutes routes, boolean proxyProtocol) {
}
