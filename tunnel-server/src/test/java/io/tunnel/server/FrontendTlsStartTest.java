package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.netty.util.ReferenceCountUtil;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.tls.TlsInputEndHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A TLS frontend connection takes a handshake slot and a TLS engine only with its first byte, and its handshake must end
 * within the timeout from the connection's start; one that never starts is a failed handshake, never a CONNECT.
 */
class FrontendTlsStartTest {
    private static final long TIMEOUT_MILLIS = 5_000;

    static X509Bundle ca;
    static SslContext serverContext;
    static SslContext clientContext;

    private final ServerMetrics metrics = new ServerMetrics(new AgentRegistry());
    private final PrometheusRegistry registry = metrics.registry();
    private final HandshakeFailures failures = new HandshakeFailures(metrics);
    private int handshakeSlots = 10;
    private ConnectionCaps caps;
    /** What reaches the handlers after TLS (the CONNECT handlers' place). */
    private final List<Object> heard = new ArrayList<>();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void certificates() throws Exception {
        ca = new CertificateBuilder().subject("CN=ca").setIsCertificateAuthority(true).ecp256().buildSelfSigned();
        X509Bundle server = new CertificateBuilder().subject("CN=server").ecp256().addSanDnsName("localhost")
                .addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
        X509Bundle client = new CertificateBuilder().subject("CN=client").ecp256()
                .addExtendedKeyUsageClientAuth().buildIssuedBy(ca);
        serverContext = SslContextBuilder.forServer(server.getKeyPair().getPrivate(), server.getCertificatePath())
                .trustManager(ca.getCertificate()).clientAuth(ClientAuth.REQUIRE).build();
        clientContext = SslContextBuilder.forClient().trustManager(ca.getCertificate())
                .keyManager(client.getKeyPair().getPrivate(), client.getCertificatePath()).build();
    }

    @AfterEach
    void close() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    /** A new frontend connection with the TLS part of the frontend's pipeline; its clock stands still. */
    private EmbeddedChannel frontend() {
        if (caps == null) {
            caps = new ConnectionCaps(new CapsConfig(100, 0, handshakeSlots, Duration.ofMillis(TIMEOUT_MILLIS), 10),
                    registry);
        }
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        channels.add(channel);
        channel.pipeline()
                .addLast(PipelineNames.TLS_START, new FrontendTlsStart(serverContext, caps, failures))
                .addLast(PipelineNames.TLS_HANDSHAKE, new FrontendTlsHandshakeHandler(failures))
                .addLast(PipelineNames.TLS_INPUT_END, new TlsInputEndHandler())
                .addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        heard.add(((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
                        ReferenceCountUtil.release(msg);
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        heard.add(evt);
                    }
                });
        return channel;
    }

    /** Moves what each side wrote to the other until neither writes more. */
    private static void pump(EmbeddedChannel a, EmbeddedChannel b) {
        for (boolean moved = true; moved; ) {
            moved = move(a, b) | move(b, a);
        }
    }

    private static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
        boolean moved = false;
        for (Object out; (out = from.readOutbound()) != null; moved = true) {
            if (to.isOpen()) {
                to.writeInbound(out);
            } else {
                ReferenceCountUtil.release(out);
            }
        }
        return moved;
    }

    private String metrics() {
        return MetricsText.of(registry);
    }

    @Test
    void theFirstByteStartsTlsInASlotThatTheHandshakeGivesBack() {
        EmbeddedChannel server = frontend();
        assertThat(server.pipeline().get(SslHandler.class)).as("no TLS engine while idle").isNull();
        assertThat(metrics()).contains("tunnel_server_frontend_tls_handshakes 0.0");

        EmbeddedChannel client = new EmbeddedChannel();
        channels.add(client);
        SslHandler clientSsl = clientContext.newHandler(client.alloc(), "localhost", 443);
        client.pipeline().addLast(clientSsl);
        move(client, server); // the ClientHello
        assertThat(server.pipeline().get(PipelineNames.TLS_START)).isNull();
        assertThat(server.pipeline().get(PipelineNames.SSL)).isInstanceOf(SslHandler.class);
        assertThat(metrics()).contains("tunnel_server_frontend_tls_handshakes 1.0");

        pump(client, server);
        assertThat(clientSsl.handshakeFuture().isSuccess()).isTrue();
        assertThat(heard).containsExactly(SslHandshakeCompletionEvent.SUCCESS);
        assertThat(metrics()).contains("tunnel_server_frontend_tls_handshakes 0.0");

        client.writeOneOutbound(Unpooled.copiedBuffer("CONNECT", StandardCharsets.US_ASCII));
        client.flushOutbound();
        pump(client, server);
        assertThat(heard).last().isEqualTo("CONNECT");
    }

    @Test
    void anIdleConnectionTimesOutAsAFailedHandshake() {
        EmbeddedChannel server = frontend();
        server.advanceTimeBy(TIMEOUT_MILLIS - 1, TimeUnit.MILLISECONDS);
        server.runScheduledPendingTasks();
        assertThat(server.isOpen()).isTrue();

        server.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        server.runScheduledPendingTasks();
        assertThat(server.isOpen()).isFalse();
        assertThat(heard).isEmpty();
        assertThat(metrics())
                .contains("tunnel_server_tls_handshake_failures_total{cause=\"timeout\",port=\"frontend\"} 1.0")
                .doesNotContain("cause=\"closed\"");
    }

    @Test
    void theHandshakeGetsWhatIsLeftOfTheTimeoutAfterTheFirstByte() {
        EmbeddedChannel server = frontend();
        server.advanceTimeBy(3_000, TimeUnit.MILLISECONDS);
        server.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x16, 0x03, 0x01})); // a ClientHello's first bytes
        SslHandler ssl = (SslHandler) server.pipeline().get(PipelineNames.SSL);
        assertThat(ssl.getHandshakeTimeoutMillis()).isEqualTo(TIMEOUT_MILLIS - 3_000);

        server.advanceTimeBy(TIMEOUT_MILLIS - 3_000, TimeUnit.MILLISECONDS);
        server.runScheduledPendingTasks();
        assertThat(server.isOpen()).isFalse();
        assertThat(metrics())
                .contains("tunnel_server_tls_handshake_failures_total{cause=\"timeout\",port=\"frontend\"} 1.0")
                .contains("tunnel_server_frontend_tls_handshakes 0.0");
    }

    @Test
    void withoutAFreeSlotTheConnectionIsClosedAtItsFirstByte() {
        handshakeSlots = 1;
        EmbeddedChannel busy = frontend();
        busy.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x16, 0x03, 0x01}));
        EmbeddedChannel refused = frontend();
        refused.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x16, 0x03, 0x01}));

        assertThat(busy.isOpen()).isTrue();
        assertThat(refused.isOpen()).isFalse();
        assertThat(refused.pipeline().get(SslHandler.class)).isNull();
        assertThat(metrics()).contains(
                "tunnel_server_connections_refused_total{listener=\"frontend\",reason=\"max_handshakes\"} 1.0");

        busy.close();
        EmbeddedChannel next = frontend();
        next.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x16, 0x03, 0x01}));
        assertThat(next.pipeline().get(SslHandler.class)).as("the closed handshake gave its slot back").isNotNull();
    }

    @Test
    void anEndBeforeTheFirstByteIsAClosedHandshakeNotABadRequest() {
        EmbeddedChannel server = frontend();
        server.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        server.pipeline().fireChannelReadComplete();

        assertThat(server.isOpen()).isFalse();
        assertThat(heard).as("the CONNECT handlers never hear of it").isEmpty();
        assertThat(metrics())
                .contains("tunnel_server_tls_handshake_failures_total{cause=\"closed\",port=\"frontend\"} 1.0");
    }

    @Test
    void aClientThatLeavesSilentlyIsCountedOnce() {
        EmbeddedChannel server = frontend();
        server.close();
        server.advanceTimeBy(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        server.runScheduledPendingTasks();
        assertThat(metrics())
                .contains("tunnel_server_tls_handshake_failures_total{cause=\"closed\",port=\"frontend\"} 1.0")
                .doesNotContain("cause=\"timeout\"");
    }

    @Test
    void nothingWrittenBeforeTlsReachesTheSocket() {
        EmbeddedChannel server = frontend();
        ByteBuf answer = Unpooled.copiedBuffer("HTTP/1.1 408 Request Timeout\r\n\r\n", StandardCharsets.US_ASCII);
        assertThat(server.writeAndFlush(answer).isSuccess()).isFalse();
        assertThat((Object) server.readOutbound()).isNull();
        assertThat(answer.refCnt()).as("released").isZero();
    }
}
