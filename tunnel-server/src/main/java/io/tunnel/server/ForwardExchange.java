package io.tunnel.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.tunnel.core.link.StreamSocket;
import io.tunnel.core.link.TunnelStream;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.transport.Transports;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One forwarded absolute-form request and its response, as the {@link StreamSocket} of the request's own stream: the
 * stream reads the request from it and writes the destination's bytes to it, and knows nothing of HTTP.
 * <ul>
 *   <li>request: the head rewritten for the destination ({@link ForwardHeads#toOrigin}), then the body pieces as the
 *   client sends them, encoded by Netty's {@link HttpRequestEncoder} into the stream while the stream asks for
 *   reading (its credit), the client's socket read only then;</li>
 *   <li>response: the destination's bytes parsed by Netty's {@link HttpResponseDecoder} (which knows a response to
 *   HEAD has no body), the head rewritten for the client ({@link ForwardHeads#toClient}), the body pieces written to
 *   the client as they come; a write's future completes when what it carried reached the client's socket, which is
 *   when the stream returns credit to the agent;</li>
 *   <li>the exchange ends when the response's last piece was written: the stream is then closed from this side
 *   (the destination was asked to close after its response, and its close ends the stream), and the
 *   {@link ForwardHandler} serves the client's next request, or closes the connection.</li>
 * </ul>
 * Failures: before the response head reached the client the client gets a constant answer (502, or 400 for a body
 * it cut short or malformed) and the connection closes; after, the connection is reset, so a cut response is never
 * taken for a complete one. Either way the stream is reset.
 *
 * <p>Confined to the event loop of the stream's link (where the client connection is while the exchange runs). Once
 * ended it never touches the client connection again: the stream's late calls only release what they bring.
 */
final class ForwardExchange implements StreamSocket, StreamOpening.Binding {
    private static final Logger LOG = LogManager.getLogger(ForwardExchange.class);
    /** After the response ended, the time the destination has to close its connection before the stream is reset. */
    static final long LINGER_MILLIS = 10_000;
    /** The destination's response head: status line and fields, as for requests. */
    private static final int MAX_RESPONSE_LINE = FrontendRequestDecoder.MAX_LINE;
    private static final int MAX_RESPONSE_HEAD = FrontendRequestDecoder.MAX_HEAD;

    /** Told once the exchange ended well: the response reached the client. */
    interface Owner {
        /** @param keepAlive whether the client connection serves another request */
        void exchangeDone(boolean keepAlive);
    }

    private final ChannelHandlerContext ctx;
    private final FrontendAnswer answer;
    private final ForwardRequest request;
    private final Owner owner;
    /** The request's parts not yet in the stream, its head first. */
    private final ArrayDeque<HttpObject> pending = new ArrayDeque<>();
    /** Netty's request encoder and response decoder for this exchange's destination connection. */
    private final EmbeddedChannel codec;
    private TunnelStream stream;
    private boolean reading;
    /** The request's last part came from the client (it may still wait in {@link #pending}). */
    private boolean requestRead;
    /** Between an interim (1xx) response head and its end. */
    private boolean interim;
    private boolean headSent;
    private boolean responseEnded;
    private boolean closeAfter;
    private int status;
    /** Nothing more goes to the client, nor comes from it, for this exchange. */
    private boolean ended;
    private boolean codecReleased;

    ForwardExchange(ChannelHandlerContext ctx, FrontendAnswer answer, ForwardRequest request, Owner owner) {
        this.ctx = ctx;
        this.answer = answer;
        this.request = request;
        this.owner = owner;
        this.closeAfter = !HttpUtil.isKeepAlive(request.head());
        pending.add(ForwardHeads.toOrigin(request));
        codec = new EmbeddedChannel(new HttpRequestEncoder(), new ResponseDecoder(request.head().method()));
        codec.config().setAllocator(ctx.alloc());
    }

    // ---- what the access log says ---------------------------------------------------------------------------------

    String method() {
        return request.method();
    }

    String logTarget() {
        return request.target().logTarget();
    }

    /** The status the client got (the destination's, or the proxy's own answer); 0 if none yet. */
    int status() {
        return status;
    }

    // ---- the connection's side (ConnectHandler), on its loop -------------------------------------------------------

    /** The request's stream was created (dialling); it reads nothing before the dial succeeded. */
    @Override
    public void attach(TunnelStream stream) {
        this.stream = stream;
        stream.attach(this);
    }

    /** The stream's dial moves to another link: another stream will be attached. */
    @Override
    public void detach() {
        stream = null;
        reading = false;
    }

    /** The dial succeeded: the stream starts reading the request once the link handler returned from its frame. */
    @Override
    public void opened(TunnelStream opened) {
        ctx.executor().execute(opened::enableReading);
    }

    /** A piece of the request's body (ownership passes); the last one is a {@link LastHttpContent}. */
    void offer(HttpContent piece) {
        if (ended) {
            piece.release();
            return;
        }
        if (piece instanceof LastHttpContent last) {
            requestRead = true;
            if (!last.trailingHeaders().isEmpty()) { // trailer fields are not forwarded (RFC 9110, 6.5.1)
                pending.add(new DefaultLastHttpContent(last.content().retain()));
                last.release();
                pump();
                return;
            }
        }
        pending.add(piece);
        pump();
    }

    /** The request's body turned out malformed. */
    void requestFailed(ConnectRejection rejection) {
        fail(rejection.response(), "request: " + rejection.reason());
    }

    /** The client's input ended: before the request's end the request is cut short; after, no further request. */
    void clientInputEnded() {
        if (requestRead) {
            closeAfter = true;
        } else {
            fail(ProxyResponse.BAD_REQUEST, "client ended its input within the request body");
        }
    }

    /** The client connection closed. */
    void clientClosed() {
        if (ended) {
            return;
        }
        ended = true;
        releasePending();
        if (stream != null) {
            stream.socketClosed();
        }
    }

    /** Releases what the exchange holds; the connection's pipeline is being torn down. */
    void release() {
        end();
        releaseCodec();
    }

    // ---- StreamSocket: the stream's side, on the link's loop ----------------------------------------------------

    @Override
    public ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    /** Bytes of the destination's response; the future completes once what they carried reached the client. */
    @Override
    public ChannelFuture write(ByteBuf data) {
        if (ended || responseEnded) {
            data.release();
            return succeeded();
        }
        try {
            codec.writeInbound(data);
        } catch (RuntimeException e) {
            fail(ProxyResponse.BAD_GATEWAY, "response not decoded: " + e);
            return succeeded();
        }
        ChannelFuture written = forwardResponse();
        return written != null ? written : succeeded();
    }

    @Override
    public void flush() {
        if (!ended) {
            ctx.flush();
        }
    }

    /** The destination closed its connection, after everything it sent was written. */
    @Override
    public void shutdownOutput() {
        if (ended) {
            return;
        }
        codec.close(); // Netty's decoder ends a response that its close delimits
        forwardResponse();
        ctx.flush();
        if (!responseEnded) {
            fail(ProxyResponse.BAD_GATEWAY, "destination closed before its response ended");
        }
    }

    @Override
    public void setReading(boolean read) {
        reading = read;
        if (read) {
            pump();
        }
        updateClientReading();
    }

    @Override
    public boolean isReset() {
        return false;
    }

    @Override
    public boolean canDetectReset() {
        return false;
    }

    /** The stream was reset or its link lost. */
    @Override
    public void abort() {
        if (!ended) {
            end();
            failClient(ProxyResponse.BAD_GATEWAY);
        }
        releaseCodec();
    }

    /** The stream ended cleanly; it does only after this side closed it, once the exchange ended. */
    @Override
    public void close() {
        abort();
    }

    // ---- request: client -> stream ----------------------------------------------------------------------------

    /** Puts pending request parts into the stream while it reads. */
    private void pump() {
        if (ended || stream == null) {
            return;
        }
        boolean sent = false;
        while (reading && !ended && !pending.isEmpty()) {
            HttpObject part = pending.poll();
            try {
                codec.writeOutbound(part);
            } catch (RuntimeException e) {
                fail(ProxyResponse.BAD_REQUEST, "request not encoded: " + e);
                return;
            }
            ByteBuf encoded;
            while ((encoded = codec.readOutbound()) != null) {
                if (encoded.isReadable()) {
                    stream.onSocketRead(encoded); // may stop the reading (no credit), or end the stream
                    sent = true;
                } else {
                    encoded.release(); // an empty last piece: nothing to send (DATA is never empty)
                }
            }
        }
        if (sent && stream != null) {
            stream.link().flushSoon();
        }
        updateClientReading();
    }

    /** The client's socket is read while the body has more to come and the stream takes it. */
    private void updateClientReading() {
        if (!ended) {
            ctx.channel().config().setAutoRead(reading && !requestRead);
        }
    }

    // ---- response: stream -> client ---------------------------------------------------------------------------

    /** Writes what the decoder made of the destination's bytes; the future of the last write, or {@code null}. */
    private ChannelFuture forwardResponse() {
        ChannelFuture last = null;
        Object part;
        while ((part = codec.readInbound()) != null) {
            if (ended || responseEnded) {
                ReferenceCountUtil.release(part); // what follows the response, or a failure
                continue;
            }
            ChannelFuture written = part instanceof HttpResponse head ? forwardHead(head)
                    : forwardContent((HttpContent) part);
            if (written != null) {
                last = written;
            }
        }
        return last;
    }

    private ChannelFuture forwardHead(HttpResponse head) {
        if (head.decoderResult().isFailure()) {
            ReferenceCountUtil.release(head);
            fail(ProxyResponse.BAD_GATEWAY, "malformed response from the destination ("
                    + head.decoderResult().cause().getClass().getSimpleName() + ")");
            return null;
        }
        int code = head.status().code();
        boolean http10 = request.head().protocolVersion() == HttpVersion.HTTP_1_0;
        if (code == 101) {
            fail(ProxyResponse.BAD_GATEWAY, "the destination switched protocols, which was not asked for");
            return null;
        }
        if (head.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
            interim = true;
            // 1xx never goes to an HTTP/1.0 client (RFC 9110, 15.2)
            return http10 ? null : ctx.write(ForwardHeads.interim(head));
        }
        headSent = true;
        status = code;
        boolean bodyless = HttpMethod.HEAD.equals(request.head().method()) || code == 204 || code == 304;
        boolean length = head.headers().contains(HttpHeaderNames.CONTENT_LENGTH);
        boolean chunked = !bodyless && !http10 && (HttpUtil.isTransferEncodingChunked(head) || !length);
        // the client must see the end: by length, by chunks, or by the close
        boolean delimitedByClose = !bodyless && !chunked && !length;
        closeAfter |= !requestRead || delimitedByClose;
        return ctx.write(ForwardHeads.toClient(head, chunked, closeAfter, http10));
    }

    private ChannelFuture forwardContent(HttpContent piece) {
        if (piece.decoderResult().isFailure()) {
            piece.release();
            fail(ProxyResponse.BAD_GATEWAY, "malformed response body from the destination");
            return null;
        }
        if (interim) {
            boolean end = piece instanceof LastHttpContent;
            piece.release();
            if (end) {
                interim = false;
                return request.head().protocolVersion() == HttpVersion.HTTP_1_0 ? null
                        : ctx.write(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            return null;
        }
        if (!(piece instanceof LastHttpContent last)) {
            return ctx.write(piece);
        }
        responseEnded = true;
        HttpContent end = last;
        if (!last.trailingHeaders().isEmpty()) { // trailer fields are not forwarded (TE and Trailer are dropped)
            end = new DefaultLastHttpContent(last.content().retain());
            last.release();
        }
        ChannelFuture written = ctx.write(end);
        written.addListener(f -> responseWritten(f.isSuccess()));
        return written;
    }

    /** The response's last piece was written (or failed): the exchange ended. */
    private void responseWritten(boolean success) {
        if (ended) {
            return;
        }
        end();
        TunnelStream done = stream;
        if (done != null && !done.isClosed()) {
            done.onSocketEof(); // CLOSE: the request, even one the response came before, is over
            done.link().eventLoop().schedule(() -> {
                if (!done.isClosed()) {
                    done.reset(TunnelErrorCode.CANCEL, "destination kept its connection after the response");
                }
            }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        }
        owner.exchangeDone(success && !closeAfter);
    }

    // ---- endings ----------------------------------------------------------------------------------------------

    /**
     * Fails the exchange: a constant answer to the client if it has not seen a response head (and the connection
     * closes), a reset otherwise; the stream is reset, after the call that got here returned.
     */
    private void fail(ProxyResponse response, String reason) {
        if (ended) {
            return;
        }
        LOG.debug("{} {} {}: {}", ctx.channel(), method(), logTarget(), reason);
        end();
        failClient(response);
        TunnelStream failed = stream;
        if (failed != null) {
            failed.link().eventLoop().execute(() -> failed.reset(TunnelErrorCode.CANCEL, reason));
        }
    }

    private void failClient(ProxyResponse response) {
        if (!headSent) {
            status = response.status();
            answer.dialFailed(response);
        } else {
            Transports.abort(ctx.channel());
        }
    }

    private void end() {
        ended = true;
        releasePending();
    }

    private void releaseCodec() {
        if (!codecReleased) {
            codecReleased = true;
            codec.finishAndReleaseAll();
        }
    }

    private void releasePending() {
        HttpObject part;
        while ((part = pending.poll()) != null) {
            ReferenceCountUtil.release(part);
        }
    }

    /** A succeeded future whose listeners run on the stream's loop, whichever loop the client is on by then. */
    private ChannelFuture succeeded() {
        EventExecutor loop = stream != null ? stream.link().eventLoop() : ctx.executor();
        return new DefaultChannelPromise(ctx.channel(), loop).setSuccess();
    }

    @Override
    public String toString() {
        return ctx.channel() + " " + method() + " " + logTarget();
    }

    /** Netty's response decoder, told whether the request was HEAD (a single exchange needs no queue of methods). */
    private static final class ResponseDecoder extends HttpResponseDecoder {
        private final boolean head;

        ResponseDecoder(HttpMethod method) {
            super(new HttpDecoderConfig()
                    .setMaxInitialLineLength(MAX_RESPONSE_LINE)
                    .setMaxHeaderSize(MAX_RESPONSE_HEAD)
                    .setMaxChunkSize(FrontendRequestDecoder.MAX_CONTENT_PIECE)
                    .setStrictLineParsing(false)
                    .setValidateHeaders(true));
            this.head = HttpMethod.HEAD.equals(method);
            setCumulator(COMPOSITE_CUMULATOR);
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            boolean interim = ((HttpResponse) msg).status().codeClass() == HttpStatusClass.INFORMATIONAL;
            return head && !interim || super.isContentAlwaysEmpty(msg);
        }
    }
}
