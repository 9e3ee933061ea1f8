package io.tunnel.client;

import io.netty.util.NetUtil;
import java.nio.charset.StandardCharsets;

/**
 * The client's side of the HTTP CONNECT exchange: the request it sends and how an answer maps to a
 * {@link TunnelException} (the answer itself is read by {@link ProxyResponseHead}).
 */
final class ProxyProtocol {
    /** Longest reason phrase quoted in an exception message. */
    private static final int MAX_QUOTED_REASON = 64;

    private ProxyProtocol() {
    }

    /** {@code host:port}, with an IPv6 literal in brackets (also when it came bracketed). */
    static String authority(String host, int port) {
        return NetUtil.toSocketAddressString(host, port);
    }

    /** {@code CONNECT target HTTP/1.1} with its Host header. */
    static byte[] connectRequest(String target) {
        return ("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Checks a target before anything is sent: a host without spaces or control characters, a valid port. */
    static void checkTarget(String host, int port) {
        if (host == null || host.isEmpty() || host.length() > 255) {
            throw new IllegalArgumentException("target host must be 1 to 255 characters");
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '/' || c == '@') {
                throw new IllegalArgumentException("target host contains an invalid character");
            }
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("target port must be in [1, 65535]");
        }
    }

    /** The exception for a refused CONNECT (any status but 200). */
    static TunnelException refusal(ProxyResponseHead head, String target) {
        String message = "proxy answered " + head.status() + quote(head.reason()) + " for " + target;
        return switch (head.status()) {
            case 403 -> new ForbiddenException(message, target, head.status());
            case 502 -> new DialRefusedException(message, target, head.status());
            case 503 -> new NoAgentException(message, target, head.status());
            case 504 -> new DialTimeoutException(message, target, head.status());
            default -> new BadProxyResponseException(message, target, head.status(), null);
        };
    }

    /** The reason phrase, printable ASCII only and bounded: it is the peer's text, quoted in our messages. */
    private static String quote(String reason) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < reason.length() && sb.length() < MAX_QUOTED_REASON; i++) {
            char c = reason.charAt(i);
            sb.append(c >= ' ' && c < 0x7f ? c : '?');
        }
        return sb.length() == 0 ? "" : " " + sb;
    }
}
