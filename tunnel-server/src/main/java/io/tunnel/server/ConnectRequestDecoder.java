package io.tunnel.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ByteProcessor;
import io.netty.util.NetUtil;
import io.tunnel.core.protocol.DialFrame;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Reads one HTTP/1.x request head and turns it into a {@link ConnectRequest} or a {@link ConnectRejection}.
 *
 * <p>Strict and bounded: lines end in CRLF; the request line is at most {@value #MAX_LINE} bytes, the head at most
 * {@value #MAX_HEAD} bytes and {@value #MAX_HEADERS} header fields; only {@code CONNECT} in authority form
 * ({@code host:port}, {@code [v6]:port}) is accepted, and never with a body. After the head the decoder stops:
 * bytes the client pipelined stay in its buffer and are handed to the next handler when it is removed, so they
 * are forwarded only if the tunnel opens, and never interpreted as HTTP.
 *
 * <p>Two header fields are read, each may appear once: {@value #TUNNEL_AGENT} names the agent the client asks for
 * ({@link ConnectRequest#agentId()}), 1 to {@value #MAX_AGENT_ID} visible ASCII characters; {@value
 * #PROXY_AUTHORIZATION} carries the client's credentials ({@link ConnectRequest#proxyAuthorization()}), at most
 * {@value #MAX_PROXY_AUTHORIZATION} characters, kept as sent for {@link ProxyAuthenticator} to judge and never logged.
 * Every other field is checked for syntax only.
 */
public final class ConnectRequestDecoder extends ByteToMessageDecoder {
    public static final int MAX_LINE = 8 * 1024;
    public static final int MAX_HEAD = 64 * 1024;
    public static final int MAX_HEADERS = 100;
    /** The request header that picks an agent by its id, overriding the routing strategies (lower case). */
    public static final String TUNNEL_AGENT = "tunnel-agent";
    /** The longest agent id a {@value #TUNNEL_AGENT} header may carry. */
    public static final int MAX_AGENT_ID = 255;
    /** The request header with the client's proxy credentials (lower case). */
    public static final String PROXY_AUTHORIZATION = "proxy-authorization";
    /** The longest {@value #PROXY_AUTHORIZATION} value kept (Basic credentials or a bearer token, such as a JWT). */
    public static final int MAX_PROXY_AUTHORIZATION = 4096;

    private enum State { REQUEST_LINE, HEADERS, DONE }

    private State state = State.REQUEST_LINE;
    private int headBytes;
    private int headerCount;
    private ConnectRequest request;
    private String agentId;
    private String proxyAuthorization;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (state != State.DONE) {
            int eol = in.forEachByte(ByteProcessor.FIND_LF);
            int available = eol < 0 ? in.readableBytes() : eol - in.readerIndex() + 1;
            if (state == State.REQUEST_LINE && available > MAX_LINE) {
                reject(in, out, ProxyResponse.BAD_REQUEST, "request line longer than " + MAX_LINE + " bytes");
                return;
            }
            if (state == State.HEADERS && (available > MAX_LINE || headBytes + available > MAX_HEAD)) {
                reject(in, out, ProxyResponse.HEADERS_TOO_LARGE, "request head larger than allowed");
                return;
            }
            if (eol < 0) {
                return;
            }
            headBytes += available;
            int len = available - 1;
            if (len == 0 || in.getByte(eol - 1) != '\r') {
                reject(in, out, ProxyResponse.BAD_REQUEST, "line not terminated by CRLF");
                return;
            }
            String line = in.toString(in.readerIndex(), len - 1, StandardCharsets.ISO_8859_1);
            in.skipBytes(available);
            if (state == State.REQUEST_LINE) {
                if (!parseRequestLine(line, in, out)) {
                    return;
                }
                state = State.HEADERS;
            } else if (line.isEmpty()) {
                state = State.DONE;
                out.add(new ConnectRequest(request.host(), request.port(), agentId, proxyAuthorization));
            } else if (!checkHeader(line, in, out)) {
                return;
            }
        }
    }

    private boolean parseRequestLine(String line, ByteBuf in, List<Object> out) {
        int sp1 = line.indexOf(' ');
        int sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
        if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0) {
            return reject(in, out, ProxyResponse.BAD_REQUEST, "malformed request line");
        }
        String method = line.substring(0, sp1);
        String target = line.substring(sp1 + 1, sp2);
        String version = line.substring(sp2 + 1);
        if (!isToken(method)) {
            return reject(in, out, ProxyResponse.BAD_REQUEST, "malformed method");
        }
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
            return reject(in, out, ProxyResponse.BAD_REQUEST, "unsupported HTTP version");
        }
        if (!method.equals("CONNECT")) {
            return reject(in, out, ProxyResponse.METHOD_NOT_ALLOWED, "method is not CONNECT");
        }
        request = parseAuthority(target);
        if (request == null) {
            return reject(in, out, ProxyResponse.BAD_REQUEST, "target is not host:port");
        }
        return true;
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

    private boolean checkHeader(String line, ByteBuf in, List<Object> out) {
        if (++headerCount > MAX_HEADERS) {
            return reject(in, out, ProxyResponse.HEADERS_TOO_LARGE, "more than " + MAX_HEADERS + " header fields");
        }
        int colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.substring(0, colon))) {
            return reject(in, out, ProxyResponse.BAD_REQUEST, "malformed header field");
        }
        String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
        if (name.equals("content-length") || name.equals("transfer-encoding")) {
            return reject(in, out, ProxyResponse.BAD_REQUEST, "CONNECT with a body header");
        }
        if (name.equals(TUNNEL_AGENT)) {
            if (agentId != null) {
                return reject(in, out, ProxyResponse.BAD_REQUEST, "Tunnel-Agent header repeated");
            }
            String value = trimWhitespace(line.substring(colon + 1));
            if (!isAgentId(value)) {
                return reject(in, out, ProxyResponse.BAD_REQUEST, "malformed Tunnel-Agent header");
            }
            agentId = value;
        } else if (name.equals(PROXY_AUTHORIZATION)) {
            if (proxyAuthorization != null) {
                return reject(in, out, ProxyResponse.BAD_REQUEST, "Proxy-Authorization header repeated");
            }
            String value = trimWhitespace(line.substring(colon + 1));
            if (value.length() > MAX_PROXY_AUTHORIZATION) {
                return reject(in, out, ProxyResponse.HEADERS_TOO_LARGE, "Proxy-Authorization header longer than "
                        + MAX_PROXY_AUTHORIZATION + " characters");
            }
            proxyAuthorization = value;
        }
        return true;
    }

    /** A field value without the optional spaces and tabs around it (RFC 9110, 5.5). */
    private static String trimWhitespace(String value) {
        int from = 0;
        int to = value.length();
        while (from < to && (value.charAt(from) == ' ' || value.charAt(from) == '\t')) {
            from++;
        }
        while (to > from && (value.charAt(to - 1) == ' ' || value.charAt(to - 1) == '\t')) {
            to--;
        }
        return value.substring(from, to);
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

    private boolean reject(ByteBuf in, List<Object> out, ProxyResponse response, String reason) {
        state = State.DONE;
        in.skipBytes(in.readableBytes());
        out.add(new ConnectRejection(response, reason));
        return false;
    }

    private static boolean isToken(String s) {
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

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // End of input: whatever is buffered is all there will be. Never fabricate a request from a partial head.
        if (state != State.DONE) {
            decode(ctx, in, out);
        }
    }
}
