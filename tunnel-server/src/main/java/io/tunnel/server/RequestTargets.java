package io.tunnel.server;

import io.netty.util.NetUtil;
import io.tunnel.core.protocol.DialFrame;

/**
 * The request targets the frontend serves, and the syntax of the request head's parts that Netty's decoder leaves to
 * its user: a CONNECT's authority form ({@code host:port}, {@code [v6]:port}), an absolute-form {@code http://} target
 * ({@link Absolute}), tokens and agent ids. Every method answers {@code null} or {@code false} rather than throw.
 */
final class RequestTargets {
    /** The only scheme forwarded (lower case; the scheme is compared without case). */
    static final String HTTP = "http://";
    static final String HTTPS = "https://";
    /** The port of an {@code http://} target that names none. */
    static final int HTTP_PORT = 80;
    /** The longest agent id a {@value FrontendRequestDecoder#TUNNEL_AGENT} header may carry. */
    static final int MAX_AGENT_ID = 255;

    private RequestTargets() {
    }

    /**
     * An absolute-form target, taken apart.
     *
     * @param connect    where the stream goes (host and port; agent and credentials are the head's business)
     * @param authority  {@code host[:port]} as the client wrote it: the {@code Host} the origin gets
     * @param originForm the path and query as the client wrote them, {@code /} when it gave none
     */
    record Absolute(ConnectRequest connect, String authority, String originForm) {
        /** {@code http://authority/path} without the query: what the access log shows of the target. */
        String logTarget() {
            int query = originForm.indexOf('?');
            return HTTP + authority + (query < 0 ? originForm : originForm.substring(0, query));
        }
    }

    /** Parses {@code host:port} or {@code [v6]:port}; {@code null} if it is not exactly that. */
    static ConnectRequest parseAuthority(String target) {
        int colon = target.lastIndexOf(':');
        if (colon <= 0 || colon == target.length() - 1) {
            return null;
        }
        String host = target.substring(0, colon);
        String portText = target.substring(colon + 1);
        if (host.startsWith("[")) {
            if (!host.endsWith("]")) {
                return null;
            }
            host = host.substring(1, host.length() - 1);
            if (!NetUtil.isValidIpV6Address(host)) {
                return null;
            }
        } else if (host.indexOf(':') >= 0 || host.indexOf('%') >= 0) {
            return null;
        }
        if (!DialFrame.isValidHost(host) || portText.length() > 5) {
            return null;
        }
        int port = 0;
        for (int i = 0; i < portText.length(); i++) {
            char c = portText.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            port = port * 10 + (c - '0');
        }
        return port >= 1 && port <= 65535 ? new ConnectRequest(host, port) : null;
    }

    /**
     * Parses an absolute-form {@code http://host[:port][/path][?query]} target (RFC 9112, 3.2.2); {@code null} for any
     * other, and for one with user information ({@code user@host}), a fragment, an empty or bad port, or a host that
     * {@link #parseAuthority} refuses.
     */
    static Absolute parseHttp(String uri) {
        if (!uri.regionMatches(true, 0, HTTP, 0, HTTP.length()) || uri.indexOf('#') >= 0) {
            return null;
        }
        int start = HTTP.length();
        int end = start;
        while (end < uri.length() && uri.charAt(end) != '/' && uri.charAt(end) != '?') {
            end++;
        }
        String authority = uri.substring(start, end);
        if (authority.isEmpty() || authority.indexOf('@') >= 0) {
            return null;
        }
        int bracket = authority.startsWith("[") ? authority.indexOf(']') : -1;
        boolean hasPort = authority.indexOf(':', bracket + 1) >= 0;
        ConnectRequest connect = parseAuthority(hasPort ? authority : authority + ':' + HTTP_PORT);
        if (connect == null) {
            return null;
        }
        String rest = uri.substring(end);
        String originForm = rest.isEmpty() ? "/" : rest.charAt(0) == '?' ? '/' + rest : rest;
        return new Absolute(connect, authority, originForm);
    }

    /** Whether {@code uri} is an absolute-form {@code https://} target (any case). */
    static boolean isHttps(String uri) {
        return uri.regionMatches(true, 0, HTTPS, 0, HTTPS.length());
    }

    /** Whether {@code uri} names a scheme ({@code scheme://…}), as an absolute-form target does. */
    static boolean hasScheme(String uri) {
        int separator = uri.indexOf("://");
        return separator > 0 && uri.lastIndexOf('/', separator) < 0;
    }

    /** Whether {@code s} can be an agent id in a header: 1 to {@value #MAX_AGENT_ID} visible ASCII characters. */
    static boolean isAgentId(String s) {
        if (s.isEmpty() || s.length() > MAX_AGENT_ID) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7F) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code s} is an HTTP token (RFC 9110, 5.6.2), as a method or a field name is. */
    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c > 0x20 && c < 0x7F && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
