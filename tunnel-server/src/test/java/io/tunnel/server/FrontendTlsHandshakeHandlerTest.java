package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A frontend connection whose TLS handshake fails is a metric, not a CONNECT: the handlers after this one (here a
 * recorder in the place of the CONNECT handlers) never hear of it.
 */
class FrontendTlsHandshakeHandlerTest {
    private final ServerMetrics metrics = new ServerMetrics(new AgentRegistry());
    private final HandshakeFailures failures = new HandshakeFailures(metrics);
    private final List<Object> heard = new ArrayList<>();
    private boolean closeRequested;
    /** Keeps the pipeline as it is when the close was asked for, as the events of the same read still see it. */
    private final ChannelOutboundHandlerAdapter closeRecorder = new ChannelOutboundHandlerAdapter() {
        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            closeRequested = true;
            promise.setSuccess();
        }
    };
    private boolean certificateAllowed = true;
    private final EmbeddedChannel channel = new EmbeddedChannel(closeRecorder,
            new FrontendTlsHandshakeHandler(failures, ctx -> certificateAllowed),
            new ChannelInboundHandlerAdapter() {
                @Override
                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                    heard.add(evt);
                }

                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    heard.add(cause);
                }
            });

    @AfterEach
    void close() {
        channel.pipeline().remove(closeRecorder);
        channel.finishAndReleaseAll();
    }

    private String metricsText() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape(), EscapingScheme.ALLOW_UTF8);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aFailedHandshakeIsCountedByCauseAndGoesNoFurther() throws IOException {
        NotSslRecordException garbage = new NotSslRecordException("not an SSL/TLS record: 474554202f");
        // The order of an SslHandler that cannot decode: the failed handshake, then the error.
        channel.pipeline().fireUserEventTriggered(new SslHandshakeCompletionEvent(garbage));
        channel.pipeline().fireExceptionCaught(new DecoderException(garbage));
        channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        channel.pipeline().fireChannelReadComplete();

        assertThat(closeRequested).isTrue();
        assertThat(heard).as("no refusal, no access-log line").isEmpty();
        assertThat(metricsText())
                .contains("tunnel_server_tls_handshake_failures_total{cause=\"not_tls\",port=\"frontend\"} 1.0");
    }

    @Test
    void aClientThatLeavesDuringTheHandshakeIsCountedAsClosed() throws IOException {
        channel.pipeline().fireUserEventTriggered(new SslHandshakeCompletionEvent(new ClosedChannelException()));
        assertThat(metricsText())
                .contains("tunnel_server_tls_handshake_failures_total{cause=\"closed\",port=\"frontend\"} 1.0");
    }

    @Test
    void aSuccessfulHandshakeIsPassedOnAndTheHandlerLeaves() {
        channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        assertThat(heard).containsExactly(SslHandshakeCompletionEvent.SUCCESS);
        assertThat(channel.pipeline().get(FrontendTlsHandshakeHandler.class)).isNull();
        assertThat(closeRequested).isFalse();
    }

    @Test
    void aClientCertificateWithoutClientAuthUsageIsATlsFailureNotA400() throws IOException {
        certificateAllowed = false;
        channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);

        assertThat(closeRequested).isTrue();
        assertThat(heard).as("the CONNECT handlers never hear of it").isEmpty();
        assertThat(metricsText())
                .contains("tunnel_server_tls_handshake_failures_total{cause=\"wrong_eku\",port=\"frontend\"} 1.0");
    }
}
