package io.tunnel.server;

/** A request head the decoder refused, with the status to answer and a log-only reason. */
public record ConnectRejection(ProxyResponse response, String reason) {
}
