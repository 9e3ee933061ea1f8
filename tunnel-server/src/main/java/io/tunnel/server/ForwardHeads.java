package io.tunnel.server;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * How a forwarding proxy rewrites the heads it passes on (RFC 9110 section 7.6, RFC 9112 sections 3.2.2, 6 and 9.6):
 * the fields that concern one connection only (hop-by-hop) are dropped, with the fields the {@code Connection} field
 * names; the framing is the proxy's own on each side; each head gets a {@code Via}. Towards the destination the
 * target becomes origin-form, {@code Host} the target's authority, and the connection closes after the response
 * (one stream per exchange: the destination's close ends it).
 */
final class ForwardHeads {
    /** Who the {@code Via} field says passed the message on. */
    static final String VIA_PSEUDONYM = "tunnel";
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    /**
     * Fields never passed on. {@code Transfer-Encoding} is framing, set again for the next hop; {@code Proxy-*} and
     * {@code Tunnel-Agent} are addressed to this proxy.
     */
    private static final List<AsciiString> HOP_BY_HOP = List.of(HttpHeaderNames.CONNECTION, PROXY_CONNECTION,
            HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.PROXY_AUTHENTICATE,
            HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE,
            AsciiString.cached(FrontendRequestDecoder.TUNNEL_AGENT));

    private ForwardHeads() {
    }

    /** The head the destination gets for {@code request}: origin-form, end-to-end fields, {@code Connection: close}. */
    static HttpRequest toOrigin(ForwardRequest request) {
        HttpRequest client = request.head();
        HttpHeaders headers = endToEnd(client);
        headers.set(HttpHeaderNames.HOST, request.target().authority());
        if (HttpUtil.isTransferEncodingChunked(client)) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        headers.add(HttpHeaderNames.VIA, via(client));
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, client.method(), request.target().originForm(), headers);
    }

    /** An interim (1xx) response for the client: end-to-end fields and {@code Via}. */
    static HttpResponse interim(HttpResponse origin) {
        HttpHeaders headers = endToEnd(origin);
        headers.add(HttpHeaderNames.VIA, via(origin));
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, origin.status(), headers);
    }

    /**
     * The final response head for the client.
     *
     * @param chunked   the body goes to the client chunked (the destination chunked it, or ends it with its close)
     * @param close     the client connection closes after this response
     * @param http10    the client spoke HTTP/1.0 (a connection kept open is said so)
     */
    static HttpResponse toClient(HttpResponse origin, boolean chunked, boolean close, boolean http10) {
        HttpHeaders headers = endToEnd(origin);
        if (chunked) {
            headers.remove(HttpHeaderNames.CONTENT_LENGTH);
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        headers.add(HttpHeaderNames.VIA, via(origin));
        if (close) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, origin.status(), headers);
    }

    /**
     * A copy of {@code message}'s fields less the hop-by-hop ones and those its {@code Connection} names, except
     * {@code Content-Length} and {@code Host}: the framing the decoder went by is never dropped (a client naming
     * {@code Content-Length} in {@code Connection} would otherwise smuggle its body past the destination as a request).
     */
    private static HttpHeaders endToEnd(HttpMessage message) {
        HttpHeaders original = message.headers();
        HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().newHeaders().add(original);
        for (String value : original.getAll(HttpHeaderNames.CONNECTION)) {
            for (String option : value.split(",")) {
                String name = option.trim();
                if (!name.isEmpty() && !HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)
                        && !HttpHeaderNames.HOST.contentEqualsIgnoreCase(name)) {
                    headers.remove(name);
                }
            }
        }
        for (AsciiString name : HOP_BY_HOP) {
            headers.remove(name);
        }
        return headers;
    }

    /** {@code Via}'s value for a message received with {@code message}'s protocol version: {@code 1.1 tunnel}. */
    private static String via(HttpMessage message) {
        HttpVersion version = message.protocolVersion();
        return version.majorVersion() + "." + version.minorVersion() + " " + VIA_PSEUDONYM;
    }
}
