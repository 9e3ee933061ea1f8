package io.tunnel.server;

import io.netty.handler.codec.http.HttpRequest;

/**
 * The head of an absolute-form {@code http://} request, as the frontend decoder read it: where its stream goes, and
 * the head to forward there. Its body follows as {@code HttpContent} pieces, the last a {@code LastHttpContent} (an
 * empty one for a request without body).
 *
 * @param connect the destination and the {@code Tunnel-Agent} of the request: what routing sees
 * @param target  the target taken apart
 * @param head    the request head as the client sent it (absolute form, every field)
 */
record ForwardRequest(ConnectRequest connect, RequestTargets.Absolute target, HttpRequest head) {
    String method() {
        return head.method().name();
    }
}
