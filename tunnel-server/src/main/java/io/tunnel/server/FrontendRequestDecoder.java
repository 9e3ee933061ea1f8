package io.tunnel.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;

/**
 * The frontend's request decoder: Netty's {@link HttpRequestDecoder}, held to the frontend's limits
 * ({@link HeadLimits}) and turning each request head into what the frontend does with it:
 * <ul>
 *   <li>{@code CONNECT host:port} (authority form, never with a body) → a {@link ConnectRequest}; the decoder then
 *   stops: bytes the client pipelined stay in its buffer and are handed to the next handler when it is removed, so
 *   they are forwarded only if the tunnel opens, and never interpreted as HTTP;</li>
 *   <li>any method with an absolute-form {@code http://} target → a {@link ForwardRequest}, then its body as
 *   {@code HttpContent} (slices of what was read, Content-Length or chunked), the last one a {@link LastHttpContent};
 *   then the next request, and so on (keep-alive, pipelining);</li>
 *   <li>anything else → one {@link ConnectRejection} ({@code https://} targets: {@code 400} telling to use CONNECT;
 *   another target form: {@code 405}; malformed: {@code 400}; too large: {@code 431}), after which all input is
 *   skipped. A body that turns out malformed (a bad chunk) is a rejection too.</li>
 * </ul>
 * Two header fields are read for the frontend, each may appear once: {@value #TUNNEL_AGENT} names the agent the
 * client asks for ({@link ConnectRequest#agentId()}), 1 to {@value RequestTargets#MAX_AGENT_ID} visible ASCII
 * characters; {@value #PROXY_AUTHORIZATION} carries the client's credentials ({@link
 * ConnectRequest#proxyAuthorization()}), at most {@value #MAX_PROXY_AUTHORIZATION} characters, kept as sent for
 * {@link ProxyAuthenticator} to judge and never logged.
 * Every other field is checked by Netty for syntax (names are tokens, values without control characters).
 *
 * <p>The end of input never makes a request, nor an answer, of a head or body cut short: the handler sees the end
 * of input and answers it.
 */
public final class FrontendRequestDecoder extends HttpRequestDecoder {
    public static final int MAX_LINE = 8 * 1024;
    public static final int MAX_HEAD = 64 * 1024;
    public static final int MAX_HEADERS = 100;
    /** The request header that picks an agent by its id, overriding the routing strategies (lower case). */
    public static final String TUNNEL_AGENT = "tunnel-agent";
    /** The request header with the client's proxy credentials (lower case). */
    public static final String PROXY_AUTHORIZATION = "proxy-authorization";
    /** The longest {@value #PROXY_AUTHORIZATION} value kept (Basic credentials or a bearer token, such as a JWT). */
    public static final int MAX_PROXY_AUTHORIZATION = 4096;
    /** The largest piece of a body handed on at once: a slice of what was read, never a copy. */
    static final int MAX_CONTENT_PIECE = 64 * 1024;

    private enum State {
        /** Reading a request head (the first, or the next after a body). */
        HEAD,
        /** Reading the body of an absolute-form request. */
        BODY,
        /** A CONNECT was read: the rest belongs to the tunnel. */
        TUNNEL,
        /** A request was refused: the rest is skipped. */
        REJECTED
    }

    private final HeadLimits limits = new HeadLimits();
    /** What Netty's decoder made of one call, before it is turned into the frontend's messages. */
    private final List<Object> decoded = new ArrayList<>(4);
    private State state = State.HEAD;

    public FrontendRequestDecoder() {
        // Netty's own limits lie beyond HeadLimits', which answer first; strict CRLF, headers validated.
        super(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_LINE)
                .setMaxHeaderSize(MAX_HEAD)
                .setMaxChunkSize(MAX_CONTENT_PIECE)
                .setStrictLineParsing(true)
                .setValidateHeaders(true));
        // A line cut between two reads would otherwise copy the whole second read into the first.
        setCumulator(COMPOSITE_CUMULATOR);
    }

    /** Whether bytes of a next request head arrived (a keep-alive connection that is not idle). */
    boolean midHead() {
        return state == State.HEAD && (limits.started() || actualReadableBytes() > 0);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        switch (state) {
            case TUNNEL:
                return;
            case REJECTED:
                in.skipBytes(in.readableBytes());
                return;
            case HEAD:
                ConnectRejection refused = limits.check(in);
                if (refused != null) {
                    reject(in, out, refused);
                    return;
                }
                if (!limits.hasUnreadLines()) {
                    return; // Netty gets complete, checked lines only (it would skip a CR before its LF arrived)
                }
                break;
            default:
                break;
        }
        int before = in.readerIndex();
        try {
            super.decode(ctx, in, decoded);
            limits.consumed(in.readerIndex() - before);
            for (Object msg : decoded) {
                translate(msg, in, out);
            }
        } finally {
            decoded.clear();
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        // What is complete is decoded; Netty's own decodeLast would make a failed request of a partial head.
        if (in.isReadable()) {
            decode(ctx, in, out);
        }
    }

    private void translate(Object msg, ByteBuf in, List<Object> out) {
        if (state == State.REJECTED || state == State.TUNNEL) {
            // After a refusal nothing more is answered; after a CONNECT the empty end of its (absent) body.
            ReferenceCountUtil.release(msg);
        } else if (msg instanceof HttpRequest request) { // before HttpContent: a failed head is a full request
            Object answer = classify(request);
            if (answer instanceof ConnectRejection rejection) {
                reject(in, out, rejection);
            } else {
                out.add(answer);
            }
        } else if (msg instanceof HttpContent content) {
            if (content.decoderResult().isFailure()) {
                content.release();
                reject(in, out, new ConnectRejection(ProxyResponse.BAD_REQUEST, "malformed request body"));
                return;
            }
            out.add(content);
            if (content instanceof LastHttpContent) {
                state = State.HEAD;
                limits.reset();
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** A {@link ConnectRequest}, a {@link ForwardRequest} or a {@link ConnectRejection} for one request head. */
    private Object classify(HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            ReferenceCountUtil.release(request);
            if (cause instanceof TooLongHttpLineException) {
                return new ConnectRejection(ProxyResponse.BAD_REQUEST, "request line longer than " + MAX_LINE
                        + " bytes");
            }
            if (cause instanceof TooLongHttpHeaderException) {
                return new ConnectRejection(ProxyResponse.HEADERS_TOO_LARGE, "request head larger than " + MAX_HEAD
                        + " bytes");
            }
            return new ConnectRejection(ProxyResponse.BAD_REQUEST, "malformed request head ("
                    + cause.getClass().getSimpleName() + ")");
        }
        String method = request.method().name();
        if (!RequestTargets.isToken(method)) {
            return new ConnectRejection(ProxyResponse.BAD_REQUEST, "malformed method");
        }
        // Netty answers its constants only for exactly "HTTP/1.1" and "HTTP/1.0" ("http/1.1" is another instance).
        HttpVersion version = request.protocolVersion();
        if (version != HttpVersion.HTTP_1_1 && version != HttpVersion.HTTP_1_0) {
            return new ConnectRejection(ProxyResponse.BAD_REQUEST, "unsupported HTTP version");
        }
        HttpHeaders headers = request.headers();
        List<String> agents = headers.getAll(TUNNEL_AGENT);
        if (agents.size() > 1) {
            return new ConnectRejection(ProxyResponse.BAD_REQUEST, "Tunnel-Agent header repeated");
        }
        String agentId = agents.isEmpty() ? null : agents.get(0);
        if (agentId != null && !RequestTargets.isAgentId(agentId)) {
            return new ConnectRejection(ProxyResponse.BAD_REQUEST, "malformed Tunnel-Agent header");
        }
        List<String> credentials = headers.getAll(PROXY_AUTHORIZATION);
        if (credentials.size() > 1) {
            return new ConnectRejection(ProxyResponse.BAD_REQUEST, "Proxy-Authorization header repeated");
        }
        String proxyAuthorization = credentials.isEmpty() ? null : credentials.get(0).strip();
        if (proxyAuthorization != null && proxyAuthorization.length() > MAX_PROXY_AUTHORIZATION) {
            return new ConnectRejection(ProxyResponse.HEADERS_TOO_LARGE, "Proxy-Authorization header longer than "
                    + MAX_PROXY_AUTHORIZATION + " characters");
        }
        String uri = request.uri();
        if (HttpMethod.CONNECT.equals(request.method())) {
            if (headers.contains(HttpHeaderNames.CONTENT_LENGTH) || headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
                return new ConnectRejection(ProxyResponse.BAD_REQUEST, "CONNECT with a body header");
            }
            ConnectRequest connect = RequestTargets.parseAuthority(uri);
            if (connect == null) {
                return new ConnectRejection(ProxyResponse.BAD_REQUEST, "target is not host:port");
            }
            state = State.TUNNEL;
            return connect.withAgent(agentId).withProxyAuthorization(proxyAuthorization);
        }
        RequestTargets.Absolute target = RequestTargets.parseHttp(uri);
        if (target != null) {
            state = State.BODY;
            limits.reset();
            return new ForwardRequest(target.connect().withAgent(agentId).withProxyAuthorization(proxyAuthorization),
                    target, request);
        }
        if (RequestTargets.isHttps(uri)) {
            return new ConnectRejection(ProxyResponse.HTTPS_NEEDS_CONNECT, "https:// target (CONNECT is needed)");
        }
        if (RequestTargets.hasScheme(uri)) {
            return new ConnectRejection(ProxyResponse.BAD_REQUEST, "malformed absolute-form target");
        }
        return new ConnectRejection(ProxyResponse.METHOD_NOT_ALLOWED, "neither CONNECT nor an absolute-form target");
    }

    private void reject(ByteBuf in, List<Object> out, ConnectRejection rejection) {
        state = State.REJECTED;
        in.skipBytes(in.readableBytes());
        out.add(rejection);
    }
}
