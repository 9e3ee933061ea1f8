package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Certificates of the wrong tree, the wrong kind or the wrong name are refused on both ports. */
@ExtendWith(SharedTunnels.Extension.class)
class CertificateRefusalIT {
    private static final Duration CMD = Duration.ofSeconds(30);

    static TestPki pki;
    static TunnelFixture tunnel;
    static HttpDestination http;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        pki = shared.pki();
        tunnel = shared.mtls();
        http = HttpDestination.http();
    }

    @AfterAll
    static void stop() {
        try (HttpDestination h = http) {
            // only the destination is this class's own
        }
    }

    private static Commands.Result curl(Path cert, Path key) {
        return Commands.run(CMD, List.of("curl", "-sS", "--max-time", "20", "-p",
                "--proxy-cacert", pki.ca("master").toString(),
                "--proxy-cert", cert.toString(), "--proxy-key", key.toString(),
                "-x", tunnel.proxyUrl(), "http://127.0.0.1:" + http.port() + "/"));
    }

    @Test
    void frontendAcceptsTheMasterClientCertificate() {
        Commands.Result r = curl(pki.cert("master", "proxy-client"), pki.key("master", "proxy-client"));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo(HttpDestination.BODY);
    }

    @Test
    void frontendRefusesAClientCertificateOfTheAgentTree() {
        Commands.Result r = curl(pki.cert("agent", "proxy-agent"), pki.key("agent", "proxy-agent"));
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.stdout()).doesNotContain(HttpDestination.BODY);
    }

    @Test
    void frontendRefusesAServerCertificateUsedAsClientCertificate() {
        Commands.Result r = curl(pki.cert("master", "proxy-master"), pki.key("master", "proxy-master"));
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.stdout()).doesNotContain(HttpDestination.BODY);
    }

    @Test
    void frontendRefusesAClientWithoutCertificate() {
        Commands.Result r = Commands.run(CMD, List.of("curl", "-sS", "--max-time", "20", "-p",
                "--proxy-cacert", pki.ca("master").toString(), "-x", tunnel.proxyUrl(),
                "http://127.0.0.1:" + http.port() + "/"));
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
    }

    @Test
    void agentPortRefusesAnAgentCertificateOfTheMasterTree() throws Exception {
        // A client certificate of the master tree: right kind, wrong trust domain.
        int mark = tunnel.server().mark();
        JavaProcess rogue = tunnel.startExtraAgent("--agent-cert", pki.cert("master", "proxy-client").toString(),
                "--agent-key", pki.key("master", "proxy-client").toString());
        try {
            rogue.awaitLog("TLS handshake with .* failed|link to .* failed during the handshake", CMD);
            assertThat(rogue.output()).doesNotContain("connected to server");
            assertThat(tunnel.server().outputSince(mark)).doesNotContain("agent proxy-client connected");
        } finally {
            rogue.stop();
        }
    }

    @Test
    void agentRefusesAServerWhoseCertificateDoesNotNameTheHostItDials() throws Exception {
        // 127.0.0.2 reaches the same server (loopback), but the certificate names only localhost and 127.0.0.1.
        JavaProcess misdirected = tunnel.startExtraAgent("--proxy-server-host", "127.0.0.2");
        try {
            misdirected.awaitLog("TLS handshake with 127\\.0\\.0\\.2:\\d+ failed", CMD);
            assertThat(misdirected.output()).doesNotContain("connected to server");
        } finally {
            misdirected.stop();
        }
    }

    @Test
    void agentPortClosesPlaintextHttp() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", tunnel.agentPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            assertThat(socket.getInputStream().read()).as("closed without an HTTP answer").isEqualTo(-1);
        }
    }
}
