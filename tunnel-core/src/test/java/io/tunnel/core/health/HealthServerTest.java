package io.tunnel.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The health port's answers, its JSON routes among them, driven on an {@link EmbeddedChannel}. */
class HealthServerTest {
    private final AtomicBoolean ready = new AtomicBoolean();
    private final AtomicInteger asked = new AtomicInteger();
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final EmbeddedChannel channel = new EmbeddedChannel(HealthServer.handler(() -> ready.get() ? null : "no link", registry, List.of(
            new HealthServer.JsonRoute("/things", () -> List.of(new Thing("a", asked.incrementAndGet(), true),
                    Map.of("k", List.of("v")))))));

    record Thing(String name, int count, boolean fine) {
    }

    @AfterEach
    void close() {
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    private Answer get(String path) {
        return request(HttpMethod.GET, path);
    }

    private Answer request(HttpMethod method, String path) {
        channel.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path));
        FullHttpResponse response = channel.readOutbound();
        try {
            return new Answer(response.status().code(), response.headers().get(HttpHeaderNames.CONTENT_TYPE),
                    response.content().toString(StandardCharsets.UTF_8));
        } finally {
            response.release();
        }
    }

    record Answer(int status, String contentType, String body) {
    }

    @Test
    void aJsonRouteAnswersWhatItsSupplierGivesNowAsJson() {
        Answer first = get("/things");
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.contentType()).isEqualTo("application/json");
        assertThat(first.body().replaceAll("\\s", "")).isEqualTo(
                "[{\"name\":\"a\",\"count\":1,\"fine\":true},{\"k\":[\"v\"]}]");
        assertThat(first.body()).endsWith("\n");
        assertThat(get("/things?pretty").body()).as("asked again, with a query").contains("\"count\" : 2");
    }

    @Test
    void oneHandlerServesEveryConnectionOfTheHealthPort() {
        assertThat(HealthServer.handler(() -> null, registry, List.of()).getClass()
                .isAnnotationPresent(ChannelHandler.Sharable.class))
                .as("HealthServer.start adds the same handler to each connection's pipeline").isTrue();
        EmbeddedChannel second = new EmbeddedChannel(channel.pipeline().last());
        try {
            second.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/healthz"));
            FullHttpResponse response = second.readOutbound();
            assertThat(response.status().code()).isEqualTo(200);
            response.release();
        } finally {
            second.finishAndReleaseAll();
        }
    }

    @Test
    void theFixedRoutesStayAndUnknownPathsAre404() {
        assertThat(get("/healthz")).isEqualTo(new Answer(200, "text/plain; charset=us-ascii", "ok\n"));
        assertThat(get("/readyz").status()).isEqualTo(503);
        assertThat(get("/readyz").body()).as("the reason").isEqualTo("not ready: no link\n");
        ready.set(true);
        assertThat(get("/readyz").status()).isEqualTo(200);
        Counter.builder().name("things_total").help("things").register(registry).inc();
        assertThat(get("/metrics").body()).contains("things_total 1.0");
        assertThat(get("/things/more").status()).isEqualTo(404);
        assertThat(request(HttpMethod.POST, "/things").status()).isEqualTo(405);
        assertThat(asked).as("a refused request does not ask the route").hasValue(0);
    }

    @Test
    void twoRoutesForOnePathAreAMistake() {
        HealthServer.JsonRoute route = new HealthServer.JsonRoute("/x", () -> "x");
        assertThatThrownBy(() -> HealthServer.handler(() -> ready.get() ? null : "no link", registry, List.of(route, route)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/x");
    }
}
