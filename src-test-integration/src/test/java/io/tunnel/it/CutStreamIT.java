package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent dies (SIGKILL) under a close-delimited download through the mTLS frontend, where only the way the
 * connection ends tells a complete download from a cut one: the client must see an error (a reset without TLS
 * close_notify), never the orderly end of a complete one.
 */
@ExtendWith(SharedTunnels.Extension.class)
class CutStreamIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** Bytes the client reads before the agent is killed: the stream is well under way. */
    private static final long UNDER_WAY = 1 << 20;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps the processes' logs
    static Path tmp;
    static TestPki pki;
    static TunnelFixture tunnel;
    static TcpDestination source;
    static TcpDestination http;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        Jars.requireBuilt();
        pki = shared.pki();
        tunnel = TunnelFixture.builder(pki, tmp.resolve("logs")).start();
        source = TcpDestination.start(TcpDestination.Mode.SOURCE);
        http = TcpDestination.start(TcpDestination.Mode.HTTP10_ENDLESS);
    }

    @AfterAll
    static void stop() throws Exception {
        try (TunnelFixture t = tunnel; TcpDestination s = source; TcpDestination h = http) {
            // closed in reverse order
        }
    }

    /** Each test kills the agent: the next one gets a new agent. */
    @AfterEach
    void restartTheAgent() throws IOException {
        if (!tunnel.agent().isAlive()) {
            tunnel.awaitReady(false);
            tunnel.startAgent();
            tunnel.awaitReady(true);
        }
    }

    @Test
    void aRawStreamCutByTheAgentsDeathEndsInAResetNotAnEndOfStream() throws Exception {
        SSLContext tls = Pem.clientContext(pki.cert("master", "proxy-client"), pki.key("master", "proxy-client"),
                pki.ca("master"));
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("localhost", tunnel.frontendPort())) {
            socket.setSoTimeout((int) WAIT.toMillis());
            String target = "127.0.0.1:" + source.port();
            OutputStream out = socket.getOutputStream();
            out.write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertThat(ConnectSocket.readHead(in)).startsWith("HTTP/1.1 200 ");
            out.write("1000000000000\n".getBytes(StandardCharsets.US_ASCII)); // a terabyte: the source never ends
            out.flush();
            assertThat(in.readNBytes((int) UNDER_WAY)).hasSize((int) UNDER_WAY);

            tunnel.agent().kill();
            assertThat(readToTheEnd(in)).as("how the stream ended for the client").startsWith("error");
        }
    }

    @Test
    void aCloseDelimitedHttpDownloadCutByTheAgentsDeathFailsCurl() throws Exception {
        Path body = tmp.resolve("body");
        Process curl = new ProcessBuilder("curl", "-sS", "-o", body.toString(), "--limit-rate", "4M", "--max-time", "60",
                "-p",
                "--proxy-cacert", pki.ca("master").toString(),
                "--proxy-cert", pki.cert("master", "proxy-client").toString(),
                "--proxy-key", pki.key("master", "proxy-client").toString(),
                "-x", tunnel.proxyUrl(), "http://127.0.0.1:" + http.port() + "/")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(tmp.resolve("curl.err").toFile())
                .start();
        try {
            Await.until("curl to have received part of the body", WAIT,
                    () -> Files.exists(body) && Files.size(body) > UNDER_WAY);
            tunnel.agent().kill();
            assertThat(curl.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("curl ended").isTrue();
            // 56: failure receiving network data (a reset); 0 would mean curl took the cut for the body's end.
            assertThat(curl.exitValue()).as("curl's exit code; stderr: %s", Files.readString(tmp.resolve("curl.err")))
                    .isEqualTo(56);
        } finally {
            curl.destroyForcibly();
        }
    }

    /** Reads until the stream ends: "eof" for an orderly end, "timeout", or "error: ..." for a reset. */
    private static String readToTheEnd(InputStream in) {
        byte[] buf = new byte[64 * 1024];
        try {
            while (in.read(buf) >= 0) {
                // what was in flight when the agent died
            }
            return "eof";
        } catch (SocketTimeoutException e) {
            return "timeout";
        } catch (IOException e) {
            return "error: " + e;
        }
    }
}
