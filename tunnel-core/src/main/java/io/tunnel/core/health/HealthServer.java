package io.tunnel.core.health;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelFuture;
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
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.net.Addresses;
import io.tunnel.core.transport.Transports;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A small HTTP endpoint for orchestrators and scrapers: {@code /healthz} (the process is up), {@code /readyz}
 * (200 while {@code ready} says so, 503 with the reason otherwise), {@code /metrics} (Prometheus text format) and any
 * {@link JsonRoute}s the program adds (the server's {@code /agents}).
 */
public final class HealthServer implements AutoCloseable {
    private static final int MAX_REQUEST_BYTES = 8 * 1024;
    private static final String JSON = "application/json";

    private final Channel channel;

    private HealthServer(Channel channel) {
        this.channel = channel;
    }

    /**
     * A further {@code GET} route answered with JSON: {@code body} is asked on the health port's event loop for each
     * request, so it must be quick and read only what is published for any thread; its result is written by Jackson
     * (records, lists, maps, strings and numbers).
     *
     * @param path the exact path, e.g. {@code /agents}
     */
    public record JsonRoute(String path, Supplier<?> body) {
    }

    /** Binds the endpoint; blocks until bound (call from a main thread, never an event loop). */
    public static HealthServer start(EventLoopGroup group, InetSocketAddress bind, Readiness ready,
                                     PrometheusRegistry registry) throws InterruptedException {
        return start(group, bind, ready, registry, List.of());
    }

    /** Binds the endpoint with further JSON routes; blocks until bound (never call it on an event loop). */
    public static HealthServer start(EventLoopGroup group, InetSocketAddress bind, Readiness ready,
                                     PrometheusRegistry registry, List<JsonRoute> routes)
            throws InterruptedException {
        JvmMetrics.builder().register(registry); // heap, GC, threads, file descriptors, …: once per registry
        ChannelHandler handler = handler(ready, registry, routes);
        ChannelFuture bound = new ServerBootstrap()
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
                .bind(bind).await();
        if (!bound.isSuccess()) {
            throw new IllegalStateException("cannot listen on the health port " + bind.getPort() + " ("
                    + Addresses.text(bind) + "): " + bound.cause().getMessage(), bound.cause());
        }
        return new HealthServer(bound.channel());
    }

    /**
     * The handler that answers on the health port, behind an HTTP codec and aggregator: for tests that drive it with
     * {@code FullHttpRequest}s on an {@code EmbeddedChannel}.
     */
    public static ChannelHandler handler(Readiness ready, PrometheusRegistry registry, List<JsonRoute> routes) {
        return new HealthHandler(ready, registry, routes);
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

    /**
     * The JSON writer of the pages, made when a page is first asked for: Jackson loads some 400 classes (megabytes of
     * metaspace) that a process whose JSON pages nobody reads need not hold.
     */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    }

    @ChannelHandler.Sharable
    private static final class HealthHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Readiness ready;
        private final PrometheusRegistry registry;
        private final Map<String, Supplier<?>> jsonRoutes = new HashMap<>();
        private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

        HealthHandler(Readiness ready, PrometheusRegistry registry, List<JsonRoute> routes) {
            this.ready = ready;
            this.registry = registry;
            for (JsonRoute route : routes) {
                if (jsonRoutes.put(route.path(), route.body()) != null) {
                    throw new IllegalArgumentException("two JSON routes for " + route.path());
                }
            }
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
                String reason = ready.notReadyBecause();
                response = reason == null ? text(HttpResponseStatus.OK, "ready\n")
                        : text(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready: " + reason + "\n");
            } else if (path.equals("/metrics") && registry != null) {
                ByteBuf body = ctx.alloc().buffer();
                try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
                    writer.write(out, registry.scrape(), EscapingScheme.ALLOW_UTF8);
                }
                response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, writer.getContentType());
            } else if (jsonRoutes.containsKey(path)) {
                response = json(ctx, jsonRoutes.get(path).get());
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

        private FullHttpResponse json(ChannelHandlerContext ctx, Object value) throws IOException {
            ByteBuf body = ctx.alloc().buffer();
            try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
                Json.MAPPER.writeValue((OutputStream) out, value); // the stream, not the DataOutput overload
                out.write('\n');
            } catch (IOException | RuntimeException e) {
                body.release();
                throw e;
            }
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, JSON);
            return response;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
