package io.tunnel.server;

import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseEncoder;

/**
 * Encodes the responses of forwarded requests ({@code HttpResponse}, {@code HttpContent}, {@code LastHttpContent})
 * towards the client, and lets every other write pass untouched: the frontend's own constant answers
 * ({@link ProxyResponse}) and a tunnel's bytes are {@code ByteBuf}s, which Netty's encoder would take for content.
 */
final class FrontendResponseEncoder extends HttpResponseEncoder {
    @Override
    public boolean acceptOutboundMessage(Object msg) throws Exception {
        return msg instanceof HttpObject && super.acceptOutboundMessage(msg);
    }
}
