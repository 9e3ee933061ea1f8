package io.tunnel.agent.webhook;

import static io.tunnel.agent.webhook.Reviews.FQDN;
import static io.tunnel.agent.webhook.Reviews.JSON;
import static io.tunnel.agent.webhook.Reviews.parse;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The webhook's HTTP pipeline (codec, aggregator, handler) on an {@link EmbeddedChannel}: raw request bytes in, raw
 * response bytes out, for every answer the webhook gives.
 */
class WebhookHandlerTest {
    private final EmbeddedChannel channel = newChannel();

    private static EmbeddedChannel newChannel() {
        EmbeddedChannel channel = new EmbeddedChannel();
        WebhookPipeline.addHttp(channel.pipeline(),
                new WebhookHandler(JSON, new AdmissionReviews(JSON, new PodEnvPatch(FQDN))));
        return channel;
    }

    @AfterEach
    void finish() {
        channel.finishAndReleaseAll();
    }

    /** A response as it went over the wire. */
    private record Response(int status, String head, String body) {
        JsonNode json() {
            return parse(body);
        }
    }

    private Response exchange(String head, byte[] body) {
        ByteBuf request = Unpooled.buffer();
        request.writeCharSequence(head, StandardCharsets.US_ASCII);
        request.writeBytes(body);
        channel.writeInbound(request);
        return response();
    }

    private Response response() {
        ByteBuf out = Unpooled.buffer();
        try {
            for (ByteBuf part; (part = channel.readOutbound()) != null; ) {
                out.writeBytes(part);
                part.release();
            }
            String text = out.toString(StandardCharsets.UTF_8);
            int end = text.indexOf("\r\n\r\n");
            assertThat(end).as("a complete response head in %s", text).isPositive();
            return new Response(Integer.parseInt(text.substring(9, 12)), text.substring(0, end),
                    text.substring(end + 4));
        } finally {
            out.release();
        }
    }

    private Response post(String path, byte[] body) {
        return exchange("POST " + path + " HTTP/1.1\r\nHost: webhook\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n", body);
    }

    private Response review(String body) {
        return post(WebhookHandler.WEBHOOK_PATH, body.getBytes(StandardCharsets.UTF_8));
    }

    private Response request(String method, String path) {
        return exchange(method + " " + path + " HTTP/1.1\r\nHost: webhook\r\n\r\n", new byte[0]);
    }

    @Test
    void theExampleIsAnsweredWithItsPatch() {
        Response r = review(Reviews.example().toString());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.head()).containsIgnoringCase("content-type: application/json");
        JsonNode response = r.json().get("response");
        assertThat(response.get("uid").asText()).isEqualTo("0a6c3a2e-7c1d-4b8e-9a55-2f3e4d5c6b7a");
        assertThat(response.get("allowed").asBoolean()).isTrue();
        assertThat(response.get("patchType").asText()).isEqualTo("JSONPatch");
        JsonNode patch = parse(new String(Base64.getDecoder().decode(response.get("patch").asText()),
                StandardCharsets.UTF_8));
        assertThat(patch).extracting(op -> op.get("path").asText())
                .containsExactly("/spec/initContainers/0/env", "/spec/containers/0/env");
        assertThat(channel.isActive()).as("keep-alive").isTrue();
    }

    @Test
    void twoReviewsOnOneConnection() {
        assertThat(review(Reviews.example().toString()).status()).isEqualTo(200);
        assertThat(review(Reviews.example().toString()).status()).isEqualTo(200);
    }

    @Test
    void aNonPodIsAllowedWithoutPatch() {
        ObjectNode review = Reviews.example();
        ((ObjectNode) review.get("request").get("kind")).put("kind", "ConfigMap");
        Response r = review(review.toString());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("response")).isEqualTo(parse("""
                {"uid": "0a6c3a2e-7c1d-4b8e-9a55-2f3e4d5c6b7a", "allowed": true}"""));
    }

    @Test
    void badBodiesAre400WithAConstantText() {
        ObjectNode noRequest = Reviews.example();
        noRequest.remove("request");
        String example = Reviews.example().toString();
        assertBadReview("not json at all", AdmissionReviews.BadReviewException.NOT_JSON);
        assertBadReview("", AdmissionReviews.BadReviewException.NOT_JSON);
        assertBadReview(example.substring(0, example.length() / 2), AdmissionReviews.BadReviewException.NOT_JSON);
        assertBadReview(example + " {}", AdmissionReviews.BadReviewException.NOT_JSON);
        assertBadReview("{\"kind\": \"AdmissionReview\", \"kind\": \"AdmissionReview\"}",
                AdmissionReviews.BadReviewException.NOT_JSON);
        assertBadReview("{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}", AdmissionReviews.BadReviewException.NOT_A_REVIEW);
        assertBadReview(noRequest.toString(), AdmissionReviews.BadReviewException.NO_REQUEST);
        assertThat(channel.isActive()).as("a bad body leaves the connection usable").isTrue();
        assertThat(review(example).status()).isEqualTo(200);
    }

    private void assertBadReview(String body, String text) {
        Response r = review(body);
        assertThat(r.status()).as(body).isEqualTo(400);
        assertThat(r.body()).as(body).isEqualTo(text);
    }

    @Test
    void aBodyOfExactlyTheLimitIsRead() {
        ObjectNode review = Reviews.example().put("padding", "");
        review.put("padding", "x".repeat(WebhookPipeline.MAX_REQUEST_BYTES - review.toString().length()));
        byte[] body = review.toString().getBytes(StandardCharsets.UTF_8);
        assertThat(body.length).isEqualTo(WebhookPipeline.MAX_REQUEST_BYTES);
        assertThat(post(WebhookHandler.WEBHOOK_PATH, body).status()).isEqualTo(200);
    }

    @Test
    void aBodyOverTheLimitIs413() {
        byte[] body = new byte[WebhookPipeline.MAX_REQUEST_BYTES + 1];
        assertThat(post(WebhookHandler.WEBHOOK_PATH, body).status()).isEqualTo(413);
    }

    @Test
    void aChunkedBodyOverTheLimitIs413AndCloses() {
        int chunk = 1024 * 1024;
        ByteBuf request = Unpooled.buffer();
        request.writeCharSequence("POST " + WebhookHandler.WEBHOOK_PATH + " HTTP/1.1\r\nHost: webhook\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n", StandardCharsets.US_ASCII);
        channel.writeInbound(request);
        for (int i = 0; i < 4 && channel.isActive(); i++) {
            ByteBuf part = Unpooled.buffer();
            part.writeCharSequence(Integer.toHexString(chunk) + "\r\n", StandardCharsets.US_ASCII);
            part.writeZero(chunk);
            part.writeCharSequence("\r\n", StandardCharsets.US_ASCII);
            channel.writeInbound(part);
        }
        assertThat(response().status()).isEqualTo(413);
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void otherMethodsAre405() {
        for (String method : new String[] {"GET", "PUT", "DELETE", "PATCH"}) {
            Response r = request(method, WebhookHandler.WEBHOOK_PATH);
            assertThat(r.status()).as(method).isEqualTo(405);
            assertThat(r.head()).containsIgnoringCase("allow: POST");
        }
        Response r = post(WebhookHandler.HEALTH_PATH, new byte[] {'{', '}'});
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.head()).containsIgnoringCase("allow: GET, HEAD");
    }

    @Test
    void otherPathsAre404() {
        assertThat(post("/webhook/other", new byte[] {'{', '}'}).status()).isEqualTo(404);
        assertThat(request("GET", "/").status()).isEqualTo(404);
        assertThat(post(WebhookHandler.WEBHOOK_PATH + "/", new byte[] {'{', '}'}).status()).isEqualTo(404);
    }

    @Test
    void healthzIs200() {
        Response r = request("GET", WebhookHandler.HEALTH_PATH);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok\n");
        assertThat(request("GET", WebhookHandler.HEALTH_PATH + "?verbose").status()).isEqualTo(200);
    }

    @Test
    void aMalformedRequestIs400AndCloses() {
        Response r = exchange("NOT A REQUEST LINE AT ALL\r\n\r\n", new byte[0]);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("bad request\n");
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void connectionCloseIsHonoured() {
        byte[] body = Reviews.example().toString().getBytes(StandardCharsets.UTF_8);
        Response r = exchange("POST " + WebhookHandler.WEBHOOK_PATH + " HTTP/1.1\r\nHost: webhook\r\n"
                + "Connection: close\r\nContent-Length: " + body.length + "\r\n\r\n", body);
        assertThat(r.status()).isEqualTo(200);
        assertThat(channel.isActive()).isFalse();
    }
}
