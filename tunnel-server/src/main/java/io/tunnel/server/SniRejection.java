package io.tunnel.server;

/**
 * A connection the SNI frontend refuses before it has a route.
 *
 * @param response the status its access-log line and metrics carry
 * @param alert    what the client is told: a {@link TlsAlert}, or {@link FrontendAnswer.Wire#NOTHING}
 * @param target   the access log's target: {@code sni:} and the server name, or {@link SniRoutes#NO_NAME}
 * @param reason   why, for the access log only
 */
record SniRejection(ProxyResponse response, FrontendAnswer.Wire alert, String target, String reason) {
}
