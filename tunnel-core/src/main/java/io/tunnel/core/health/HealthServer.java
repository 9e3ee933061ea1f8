package io.tunnel.core.health;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.transport.Transports;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A small HTTP endpoint for orchestrators and scrapers: {@code /healthz} (the process is up), {@code /readyz}
 * (200 while {@code ready} says so, 503 otherwise), {@code /metrics} (Prometheus text format) and the program's own
 * JSON pages (e.g. the agent's {@code /links}).
 */
public final class HealthServer implements AutoCloseable {
    private static final int MAX_REQUEST_BYTES = 8 * 1024;

    private final Channel channel;

    private HealthServer(Channel channel) {
        this.channel = channel;
    }

    /** Binds the endpoint; blocks until bound (call from a main thread, never an event loop). */
    public static HealthServer start(EventLoopGroup group, InetSocketAddress bind, BooleanSupplier ready,
                                     PrometheusRegistry registry) throws InterruptedException {
        return start(group, bind, ready, registry, Map.of());
    }

    /**
     * Binds the endpoint with JSON pages: each path of {@code pages} answers what its supplier returns (called on an
     * event loop: it must not block). Blocks until bound.
     */
    public static HealthServer start(EventLoopGroup group, InetSocketAddress bind, BooleanSupplier ready,
                                     PrometheusRegistry registry, Map<String, Supplier<String>> pages)
            throws InterruptedException {
        HealthHandler handler = new HealthHandler(ready, registry, Map.copyOf(pages));
        Channel channel = new ServerBootstrap()
                .group(group)
                .channel(Transports.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(PipelineNames.HTTP_CODEC, new HttpServerCodec())
                                .addLast(PipelineNames.HTTP_AGGREGATOR, new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                .addLast(PipelineNames.HEALTH, handler);
                    }
                })
                .bind(bind).sync().channel();
        return new HealthServer(channel);
    }

    /** A plain-text answer with a constant ASCII body; also used by the pod webhook. */
    public static FullHttpResponse text(HttpResponseStatus status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.US_ASCII));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=us-ascii");
        return response;
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }

    @ChannelHandler.Sharable
    private static final class HealthHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final BooleanSupplier ready;
        private final PrometheusRegistry registry;
        private final Map<String, Supplier<String>> pages;
        private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

        HealthHandler(BooleanSupplier ready, PrometheusRegistry registry, Map<String, Supplier<String>> pages) {
            this.ready = ready;
            this.registry = registry;
            this.pages = pages;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) throws IOException {
            String path = new QueryStringDecoder(request.uri()).path();
            FullHttpResponse response;
            if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
                response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n");
            } else if (path.equals("/healthz")) {
                response = text(HttpResponseStatus.OK, "ok\n");
            } else if (path.equals("/readyz")) {
                response = ready.getAsBoolean() ? text(HttpResponseStatus.OK, "ready\n")
                        : text(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready\n");
            } else if (path.equals("/metrics") && registry != null) {
                ByteBuf body = ctx.alloc().buffer();
                try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
                    writer.write(out, registry.scrape(), EscapingScheme.ALLOW_UTF8);
                }
                response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, writer.getContentType());
            } else if (pages.containsKey(path)) {
                response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.copiedBuffer(pages.get(path).get(), StandardCharsets.UTF_8));
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            } else {
                response = text(HttpResponseStatus.NOT_FOUND, "not found\n");
            }
            HttpUtil.setContentLength(response, response.content().readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                ctx.writeAndFlush(response);
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
