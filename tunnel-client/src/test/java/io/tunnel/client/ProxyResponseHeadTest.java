package io.tunnel.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.TooLongFrameException;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProxyResponseHeadTest {

    @Test
    void parsesStatusAndReason() {
        ProxyResponseHead head = ProxyResponseHead.parse("HTTP/1.1 200 Connection established\r\n\r\n");
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.reason()).isEqualTo("Connection established");
    }

    @Test
    void establishedWithExtraHeaderFieldsIsEstablished() {
        ProxyResponseHead head = ProxyResponseHead.parse(
                "HTTP/1.1 200 OK\r\nProxy-Agent: tinyproxy/1.11\r\nVia: 1.1 proxy\r\nContent-Length: 0\r\n\r\n");
        assertThat(head.isEstablished()).isTrue();
        assertThat(head.reason()).isEqualTo("OK");
        assertThat(ProxyResponseHead.parse("HTTP/1.0 200 Connection established\r\n\r\n").isEstablished()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1 201 Created\r\n\r\n", "HTTP/1.1 204 No Content\r\n\r\n",
        "HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\n", "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n",
        "HTTP/1.1 502 Bad Gateway\r\n\r\n"})
    void everyOtherStatusIsNotEstablished(String text) {
        assertThat(ProxyResponseHead.parse(text).isEstablished()).isFalse();
    }

    @Test
    void acceptsHttp10HeadersAndNoReason() {
        assertThat(ProxyResponseHead.parse("HTTP/1.0 502\r\nContent-Length: 0\r\n\r\n"))
                .isEqualTo(new ProxyResponseHead(502, ""));
        assertThat(ProxyResponseHead.parse("HTTP/1.1 503 \n\n")).isEqualTo(new ProxyResponseHead(503, ""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\r\n", "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 abc OK\r\n\r\n", "HTTP/1.1 099 Low\r\n\r\n", "SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1  200 OK\r\n\r\n"})
    void rejectsWhatIsNotAStatusLine(String head) {
        assertThatThrownBy(() -> ProxyResponseHead.parse(head)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void endFinderStopsAtTheFirstEmptyLineWhateverTheSplit() {
        byte[] bytes = "HTTP/1.1 200 OK\r\nA: b\r\n\r\nleftover".getBytes(StandardCharsets.US_ASCII);
        int expectedEnd = "HTTP/1.1 200 OK\r\nA: b\r\n\r\n".length() - 1;
        ProxyResponseHead.EndFinder finder = new ProxyResponseHead.EndFinder();
        int end = -1;
        for (int i = 0; i < bytes.length; i++) {
            if (!finder.process(bytes[i])) {
                end = i;
                break;
            }
        }
        assertThat(end).isEqualTo(expectedEnd);
        assertThat(finder.found()).isTrue();
    }

    @Test
    void endFinderAcceptsBareLineFeeds() {
        ProxyResponseHead.EndFinder finder = new ProxyResponseHead.EndFinder();
        boolean stopped = false;
        for (byte b : "HTTP/1.1 200 OK\nA: b\n\n".getBytes(StandardCharsets.US_ASCII)) {
            stopped = !finder.process(b);
        }
        assertThat(stopped).isTrue();
    }

    @Test
    void readTextStopsRightAfterTheHeadAndLeavesTheRest() throws IOException {
        String head = "HTTP/1.1 200 Connection established\r\nX-A: 1\r\n\r\n";
        InputStream in = stream(head + "SSH-2.0-banner\r\n");
        assertThat(ProxyResponseHead.readText(in)).isEqualTo(head);
        assertThat(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)).isEqualTo("SSH-2.0-banner\r\n");
    }

    @Test
    void readTextReadsAHeadThatArrivesInPieces() throws IOException {
        String head = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
        // A stream that hands out one byte per read() and never more, like a proxy writing byte by byte.
        byte[] bytes = (head + "rest").getBytes(StandardCharsets.ISO_8859_1);
        InputStream trickle = new InputStream() {
            private int next;

            @Override
            public int read() {
                return next < bytes.length ? bytes[next++] & 0xff : -1;
            }
        };
        assertThat(ProxyResponseHead.parse(ProxyResponseHead.readText(trickle))).isEqualTo(
                new ProxyResponseHead(503, "Service Unavailable"));
    }

    @Test
    void readTextAcceptsBareLineFeeds() throws IOException {
        assertThat(ProxyResponseHead.readText(stream("HTTP/1.1 200 OK\nA: b\n\nx"))).isEqualTo("HTTP/1.1 200 OK\nA: b\n\n");
    }

    @Test
    void readTextFailsWhenTheStreamEndsBeforeTheHead() {
        assertThatThrownBy(() -> ProxyResponseHead.readText(stream("HTTP/1.1 200 OK\r\n")))
                .isInstanceOf(EOFException.class).hasMessage("the connection closed before an answer");
        assertThatThrownBy(() -> ProxyResponseHead.readText(stream(""))).isInstanceOf(EOFException.class);
    }

    @Test
    void readTextBoundsTheHead() throws IOException {
        String start = "HTTP/1.1 200 OK\r\nX: ";
        String exact = start + "a".repeat(ProxyResponseHead.MAX_LENGTH - start.length() - 4) + "\r\n\r\n";
        assertThat(ProxyResponseHead.readText(stream(exact + "x"))).hasSize(ProxyResponseHead.MAX_LENGTH);
        String longer = start + "a".repeat(ProxyResponseHead.MAX_LENGTH) + "\r\n\r\n";
        assertThatThrownBy(() -> ProxyResponseHead.readText(stream(longer)))
                .isInstanceOf(TooLongFrameException.class).hasMessage("response head longer than 8192 bytes");
    }

    @Test
    void garbageIsReadAsAHeadButNotParsed() throws IOException {
        String text = ProxyResponseHead.readText(stream("\u0016\u0003\u0001garbage\r\n\r\n"));
        assertThatThrownBy(() -> ProxyResponseHead.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not an HTTP/1.x status line");
    }

    private static InputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void refusalsMapToTypedExceptionsWithStatusAndTarget() {
        assertThat(ProxyProtocol.refusal(new ProxyResponseHead(403, "Forbidden"), "h:1"))
                .isInstanceOf(ForbiddenException.class);
        assertThat(ProxyProtocol.refusal(new ProxyResponseHead(502, "Bad Gateway"), "h:1"))
                .isInstanceOf(DialRefusedException.class)
                .hasMessage("proxy answered 502 Bad Gateway for h:1");
        assertThat(ProxyProtocol.refusal(new ProxyResponseHead(503, "Service Unavailable"), "h:1"))
                .isInstanceOf(NoAgentException.class);
        assertThat(ProxyProtocol.refusal(new ProxyResponseHead(504, "Gateway Timeout"), "h:1"))
                .isInstanceOf(DialTimeoutException.class);
        TunnelException other = ProxyProtocol.refusal(new ProxyResponseHead(407, "Proxy Auth\u0007"), "h:1");
        assertThat(other).isInstanceOf(BadProxyResponseException.class)
                .hasMessage("proxy answered 407 Proxy Auth? for h:1");
        assertThat(other.status()).hasValue(407);
        assertThat(other.target()).isEqualTo("h:1");
    }

    @Test
    void authorityBracketsIpv6() {
        assertThat(ProxyProtocol.authority("::1", 80)).isEqualTo("[::1]:80");
        assertThat(ProxyProtocol.authority("example.internal", 443)).isEqualTo("example.internal:443");
        assertThat(new String(ProxyProtocol.connectRequest("[::1]:80"), StandardCharsets.US_ASCII))
                .isEqualTo("CONNECT [::1]:80 HTTP/1.1\r\nHost: [::1]:80\r\n\r\n");
    }

    @Test
    void targetsWithControlCharactersAreRefusedBeforeSending() {
        assertThatThrownBy(() -> ProxyProtocol.checkTarget("a b", 80)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProxyProtocol.checkTarget("a\r\nX: y", 80))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProxyProtocol.checkTarget("host", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProxyProtocol.checkTarget("", 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
