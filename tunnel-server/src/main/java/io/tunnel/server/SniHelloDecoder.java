package io.tunnel.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads a TLS client's ClientHello, without terminating TLS, and fires what to do with the connection: the
 * {@link SniRoutes.Route} of its server name, or an {@link SniRejection}. Netty's {@link AbstractSniHandler} parses
 * the ClientHello and finds the name, however the bytes were split into TCP segments and TLS records.
 *
 * <p>Bounded: the ClientHello may take at most {@value #MAX_CLIENT_HELLO} bytes (and their record headers), and must
 * be complete within the header timeout. Refused, each with its reason: a first record that is not a TLS handshake,
 * a ClientHello without a server name, a name that is not routed (no open relay), a ClientHello too large or too
 * slow, and an end of input before it was complete. After its one outcome the decoder reads nothing more.
 *
 * <p>The decoder never consumes: once the next handler removes it, the ClientHello's bytes, and any that followed,
 * are handed on untouched ({@link io.netty.handler.codec.ByteToMessageDecoder#handlerRemoved}), to be replayed to the
 * destination, which completes the handshake with the client.
 */
final class SniHelloDecoder extends AbstractSniHandler<SniRoutes.Route> {
    /** The largest ClientHello (the handshake message's body) the frontend reads. */
    static final int MAX_CLIENT_HELLO = 16 * 1024;
    /** A TLS record header: type, version, length (RFC 8446 §5.1). */
    private static final int RECORD_HEADER = 5;
    /** A handshake message header: type, length (RFC 8446 §4). */
    private static final int HANDSHAKE_HEADER = 4;
    /**
     * The most bytes held before the outcome: a ClientHello of {@value #MAX_CLIENT_HELLO} bytes with its header fills
     * two records of at most 2^14 bytes, as clients send it.
     */
    static final int MAX_HELD_BYTES = MAX_CLIENT_HELLO + HANDSHAKE_HEADER + 2 * RECORD_HEADER;
    /** ContentType handshake (RFC 8446 §5.1). */
    private static final int CONTENT_TYPE_HANDSHAKE = 22;
    /** HandshakeType client_hello (RFC 8446 §4). */
    private static final int CLIENT_HELLO = 1;

    private final SniRoutes routes;
    private final Duration timeout;
    private ScheduledFuture<?> timer;
    private boolean decided;

    /** @param timeout the time a client has to send its complete ClientHello ({@code --header-timeout}) */
    SniHelloDecoder(SniRoutes routes, Duration timeout) {
        // Netty's own bounds are off: the size and time bounds below answer with the frontend's refusals.
        super(0, 0);
        this.routes = routes;
        this.timeout = timeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        super.handlerAdded(ctx);
        timer = ctx.executor().schedule(() -> decide(ctx, new SniRejection(ProxyResponse.REQUEST_TIMEOUT,
                FrontendAnswer.Wire.NOTHING, SniRoutes.NO_NAME, "ClientHello not complete within "
                        + timeout.toMillis() + " ms")), timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        timer.cancel(false);
        super.handlerRemoved0(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (decided) {
            in.skipBytes(in.readableBytes());
        } else if (in.readableBytes() > MAX_HELD_BYTES) {
            decide(ctx, new SniRejection(ProxyResponse.HEADERS_TOO_LARGE, TlsAlert.HANDSHAKE_FAILURE,
                    SniRoutes.NO_NAME, "ClientHello larger than " + MAX_CLIENT_HELLO + " bytes"));
        } else {
            super.decode(ctx, in, out);
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // The input ended (or the connection closed) with the ClientHello not complete: decode() saw all there is.
        decide(ctx, new SniRejection(ProxyResponse.BAD_REQUEST, FrontendAnswer.Wire.NOTHING, SniRoutes.NO_NAME,
                "connection closed before the ClientHello ended"));
    }

    @Override
    protected Future<SniRoutes.Route> lookup(ChannelHandlerContext ctx, String hostname) {
        return ctx.executor().newSucceededFuture(hostname == null ? null : routes.find(hostname));
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<SniRoutes.Route> future) {
        SniRoutes.Route route = future.getNow();
        if (route != null) {
            decide(ctx, route);
        } else if (hostname != null) {
            String target = SniRoutes.logTarget(hostname);
            decide(ctx, new SniRejection(ProxyResponse.FORBIDDEN, TlsAlert.UNRECOGNIZED_NAME, target,
                    target.equals(SniRoutes.NOT_A_NAME) ? "server name is not a host name" : "server name not routed"));
        } else if (isClientHello(internalBuffer())) {
            decide(ctx, new SniRejection(ProxyResponse.BAD_REQUEST, TlsAlert.MISSING_EXTENSION, SniRoutes.NO_NAME,
                    "ClientHello without a server name"));
        } else {
            decide(ctx, new SniRejection(ProxyResponse.BAD_REQUEST, FrontendAnswer.Wire.NOTHING, SniRoutes.NO_NAME,
                    "not a TLS ClientHello"));
        }
    }

    /** Whether the bytes begin a TLS handshake record carrying a ClientHello (for the log's reason only). */
    private static boolean isClientHello(ByteBuf in) {
        int at = in.readerIndex();
        return in.readableBytes() > RECORD_HEADER && in.getUnsignedByte(at) == CONTENT_TYPE_HANDSHAKE
                && in.getUnsignedByte(at + RECORD_HEADER) == CLIENT_HELLO;
    }

    /** Fires the one outcome, a route or a rejection; after it the decoder reads nothing more. */
    private void decide(ChannelHandlerContext ctx, Object outcome) {
        if (decided) {
            return;
        }
        decided = true;
        timer.cancel(false);
        ctx.fireChannelRead(outcome);
    }
}
