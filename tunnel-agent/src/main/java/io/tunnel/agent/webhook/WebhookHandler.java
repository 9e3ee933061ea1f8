package io.tunnel.agent.webhook;

import static io.tunnel.core.health.HealthServer.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Routes the webhook's requests: {@code POST} {@value #WEBHOOK_PATH} answers an AdmissionReview, {@code GET}
 * {@value #HEALTH_PATH} says the process is up. Every other request gets a constant answer: 400 for a body that is
 * not a review, 404 for another path, 405 for another method. The aggregator before it answers 413 to a body over
 * {@link WebhookPipeline#MAX_REQUEST_BYTES}. One log line per review, of the {@code tunnel.access} logger.
 */
@ChannelHandler.Sharable
public final class WebhookHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    public static final String WEBHOOK_PATH = "/webhook/pod-apiserver-env";
    public static final String HEALTH_PATH = "/healthz";
    private static final Logger LOG = LogManager.getLogger(WebhookHandler.class);
    private static final Logger ACCESS = LogManager.getLogger("tunnel.access");
    private static final String BAD_HTTP = "bad request\n";
    private static final String NOT_FOUND = "not found\n";
    private static final String METHOD_NOT_ALLOWED = "method not allowed\n";
    private static final String HEALTHY = "ok\n";

    private final ObjectMapper json;
    private final AdmissionReviews reviews;

    public WebhookHandler(ObjectMapper json, AdmissionReviews reviews) {
        this.json = json;
        this.reviews = reviews;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            LOG.info("{}: malformed HTTP request: {}", ctx.channel().id().asShortText(),
                    request.decoderResult().cause().toString());
            ctx.writeAndFlush(text(HttpResponseStatus.BAD_REQUEST, BAD_HTTP)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        HttpMethod method = request.method();
        FullHttpResponse response;
        if (path.equals(WEBHOOK_PATH)) {
            response = method.equals(HttpMethod.POST) ? review(ctx, request.content())
                    : notAllowed(HttpMethod.POST.name());
        } else if (path.equals(HEALTH_PATH)) {
            response = method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD)
                    ? text(HttpResponseStatus.OK, HEALTHY) : notAllowed("GET, HEAD");
        } else {
            response = text(HttpResponseStatus.NOT_FOUND, NOT_FOUND);
        }
        if (method.equals(HttpMethod.HEAD)) {
            response.content().clear();
        }
        send(ctx, request, response);
    }

    private FullHttpResponse review(ChannelHandlerContext ctx, ByteBuf body) {
        String channel = ctx.channel().id().asShortText();
        try {
            AdmissionReviews.Answer answer = reviews.answer(parse(body));
            ByteBuf content = ctx.alloc().buffer();
            try (OutputStream out = new ByteBufOutputStream(content)) {
                json.writeValue(out, answer.review());
            } catch (IOException | RuntimeException e) {
                content.release();
                throw new IllegalStateException("cannot write the answer", e);
            }
            ACCESS.info("channel={} review uid={} pod={} patch_operations={}", channel, answer.uid(), answer.pod(),
                    answer.operations());
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    content);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            return response;
        } catch (AdmissionReviews.BadReviewException e) {
            LOG.warn("{}: 400 {}", channel, e.getMessage().strip());
            return text(HttpResponseStatus.BAD_REQUEST, e.getMessage());
        }
    }

    private JsonNode parse(ByteBuf body) throws AdmissionReviews.BadReviewException {
        try (InputStream in = new ByteBufInputStream(body.duplicate())) {
            JsonNode tree = json.readTree(in);
            if (tree == null || tree.isMissingNode()) {
                throw new AdmissionReviews.BadReviewException(AdmissionReviews.BadReviewException.NOT_JSON);
            }
            return tree;
        } catch (JsonProcessingException e) {
            throw new AdmissionReviews.BadReviewException(AdmissionReviews.BadReviewException.NOT_JSON);
        } catch (IOException e) {
            throw new IllegalStateException("reading a buffer failed", e);
        }
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
        HttpUtil.setContentLength(response, response.content().readableBytes());
        if (HttpUtil.isKeepAlive(request)) {
            if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            ctx.writeAndFlush(response);
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static FullHttpResponse notAllowed(String allow) {
        FullHttpResponse response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, METHOD_NOT_ALLOWED);
        response.headers().set(HttpHeaderNames.ALLOW, allow);
        return response;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ReadTimeoutException) {
            LOG.debug("{}: idle for {} s, closing", ctx.channel().id().asShortText(),
                    WebhookPipeline.READ_TIMEOUT_SECONDS);
        } else {
            LOG.info("{}: closing after {}", ctx.channel().id().asShortText(), cause.toString());
        }
        ctx.close();
    }
}
