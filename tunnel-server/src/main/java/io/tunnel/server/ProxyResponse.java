package io.tunnel.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tunnel.core.protocol.TunnelErrorCode;
import java.nio.charset.StandardCharsets;

/**
 * Every answer the frontend itself gives, to a CONNECT or to an absolute-form request it could not forward, as
 * constant bytes. Bodies never echo anything the client sent. A forwarded request is answered by its destination.
 */
public enum ProxyResponse {
    ESTABLISHED(200, "Connection established", null),
    BAD_REQUEST(400, "Bad Request", "bad proxy request\n"),
    /** An absolute-form {@code https://} target: the proxy forwards only {@code http://}; TLS goes through CONNECT. */
    HTTPS_NEEDS_CONNECT(400, "Bad Request", "https:// targets are not forwarded: use CONNECT (https_proxy)\n"),
    FORBIDDEN(403, "Forbidden", "destination not allowed\n"),
    METHOD_NOT_ALLOWED(405, "Method Not Allowed", "only CONNECT and absolute-form http:// requests are served\n"),
    /** Missing or wrong credentials where {@code --frontend-auth basic}: the challenge names the scheme. */
    PROXY_AUTH_BASIC(407, "Proxy Authentication Required", ProxyResponse.AUTH_BODY,
            ProxyResponse.BASIC_CHALLENGE),
    /** Missing or wrong credentials where {@code --frontend-auth bearer}. */
    PROXY_AUTH_BEARER(407, "Proxy Authentication Required", ProxyResponse.AUTH_BODY,
            ProxyResponse.BEARER_CHALLENGE),
    /** Missing or wrong credentials where {@code --frontend-auth basic,bearer}: either scheme will do. */
    PROXY_AUTH_BASIC_OR_BEARER(407, "Proxy Authentication Required", ProxyResponse.AUTH_BODY,
            ProxyResponse.BASIC_CHALLENGE + ProxyResponse.BEARER_CHALLENGE),
    /**
     * A source that failed proxy authentication too often lately ({@link AuthFailureLimiter}): refused unchecked, good
     * credentials too, until its failures are earned back (one every minute divided by the limit).
     */
    TOO_MANY_AUTH_FAILURES(429, "Too Many Requests", "too many failed authentications\n", "Retry-After: 60\r\n"),
    REQUEST_TIMEOUT(408, "Request Timeout", "request head not received in time\n"),
    HEADERS_TOO_LARGE(431, "Request Header Fields Too Large", "request head too large\n"),
    BAD_GATEWAY(502, "Bad Gateway", "the agent could not reach the destination\n"),
    SERVICE_UNAVAILABLE(503, "Service Unavailable", "no agent available\n"),
    /** Too many password checks waiting already (they are slow on purpose): try again later. */
    AUTH_BUSY(503, "Service Unavailable", "too many authentications in progress\n"),
    /** A connection above a cap of {@link ConnectionCaps}, answered before anything was read. */
    TOO_MANY_CONNECTIONS(503, "Service Unavailable", "too many connections\n"),
    GATEWAY_TIMEOUT(504, "Gateway Timeout", "the destination did not answer in time\n");

    /** The realm the challenges name ({@code Proxy-Authenticate}). */
    public static final String REALM = "tunnel";
    private static final String AUTH_BODY = "proxy authentication required\n";
    private static final String BASIC_CHALLENGE = "Proxy-Authenticate: Basic realm=\"" + REALM
            + "\", charset=\"UTF-8\"\r\n";
    private static final String BEARER_CHALLENGE = "Proxy-Authenticate: Bearer realm=\"" + REALM + "\"\r\n";

    private final int status;
    private final byte[] bytes;

    ProxyResponse(int status, String phrase, String body) {
        this(status, phrase, body, "");
    }

    /** @param headers further header lines, each ending in CRLF */
    ProxyResponse(int status, String phrase, String body, String headers) {
        this.status = status;
        StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(phrase).append("\r\n");
        if (body != null) {
            sb.append("Content-Type: text/plain; charset=us-ascii\r\n")
                    .append("Content-Length: ").append(body.length()).append("\r\n");
            if (status == 405) {
                sb.append("Allow: CONNECT\r\n");
            }
            sb.append(headers);
            sb.append("Connection: close\r\n\r\n").append(body);
        } else {
            sb.append("\r\n");
        }
        this.bytes = sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    public int status() {
        return status;
    }

    public boolean isSuccess() {
        return status == 200;
    }

    /** A new buffer over the constant bytes (unpooled wrapper, nothing to copy). */
    public ByteBuf toBuffer() {
        return Unpooled.wrappedBuffer(bytes);
    }

    /** The answer to a dial that failed with {@code code}. */
    public static ProxyResponse forDialError(TunnelErrorCode code) {
        return switch (code) {
            case DIAL_TIMEOUT -> GATEWAY_TIMEOUT;
            case TOO_MANY_STREAMS, SHUTDOWN, CANCEL -> SERVICE_UNAVAILABLE;
            case POLICY_DENIED -> FORBIDDEN;
            default -> BAD_GATEWAY;
        };
    }
}
