package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.tunnel.core.protocol.CloseFrame;
import io.tunnel.core.protocol.DataFrame;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.DialResultFrame;
import io.tunnel.core.protocol.TunnelFrame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CONNECT exchange where {@code --frontend-auth basic}: who sent it is settled before an agent is chosen. */
class ConnectAuthenticationTest {
    private static final String CONNECT = "CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n";
    private static final String CHALLENGE = "HTTP/1.1 407 Proxy Authentication Required\r\n"
            + "Content-Type: text/plain; charset=us-ascii\r\nContent-Length: 30\r\n"
            + "Proxy-Authenticate: Basic realm=\"tunnel\", charset=\"UTF-8\"\r\n"
            + "Connection: close\r\n\r\nproxy authentication required\n";

    @TempDir
    Path dir;
    private LinkFixture fixture;

    @BeforeEach
    void start() throws IOException {
        Path users = Files.writeString(dir.resolve("users"), ProxyUsersTest.ALICE + "\n");
        fixture = new LinkFixture(flags -> {
            flags.proxyAuth.schemes = "basic";
            flags.proxyAuth.usersFile = users;
        });
        fixture.frontendPipeline(true);
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    private static String withCredentials(String userPass) {
        return CONNECT + "Proxy-Authorization: " + ProxyAuthenticatorTest.basic(userPass) + "\r\n\r\n";
    }

    @Test
    void withoutCredentialsTheClientGetsTheChallengeAndNoAgentHearsOfIt() {
        fixture.fromClient(CONNECT + "\r\nearly bytes");

        assertThat(fixture.toClient()).isEqualTo(CHALLENGE);
        assertThat(fixture.frontend.isOpen()).isFalse();
        assertThat(fixture.framesToAgent()).isEmpty();
        assertThat(fixture.answered(407)).isEqualTo(1);
        assertThat(fixture.checks.pending()).isZero();
    }

    @Test
    void rightCredentialsAreCheckedOffTheLoopThenTheAgentDialsForTheUser() {
        fixture.fromClient(withCredentials("alice:correct horse") + "early bytes");
        assertThat(fixture.framesToAgent()).as("no dial before the password passed").isEmpty();
        assertThat(fixture.checks.pending()).isEqualTo(1);

        fixture.checks.runAll();
        fixture.runTasks();
        assertThat(fixture.framesToAgent()).containsExactly(new DialFrame(1, "db.internal", 5432, 5_000));
        assertThat(fixture.link.stream(1).identity()).as("its access-log line names the user").isEqualTo("alice");
        assertThat(fixture.answer.identity()).isEqualTo(new ProxyIdentity("basic", "alice"));

        fixture.fromAgent(DialResultFrame.success(1));
        assertThat(fixture.toClient()).isEqualTo("HTTP/1.1 200 Connection established\r\n\r\n");
        List<TunnelFrame> data = fixture.framesToAgent();
        assertThat(data).hasSize(1);
        DataFrame early = (DataFrame) data.get(0);
        assertThat(early.content().toString(StandardCharsets.US_ASCII)).isEqualTo("early bytes");
        early.release();
    }

    @Test
    void theEndOfInputWhileThePasswordIsCheckedIsKeptForTheStream() {
        fixture.fromClient(withCredentials("alice:correct horse"));
        fixture.frontend.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        fixture.checks.runAll();
        fixture.runTasks();
        assertThat(fixture.framesToAgent()).hasSize(1);

        fixture.fromAgent(DialResultFrame.success(1));
        assertThat(fixture.framesToAgent()).containsExactly(new CloseFrame(1));
    }

    @Test
    void aWrongPasswordGetsTheSameChallengeAndTheHeldBytesAreDropped() {
        fixture.fromClient(withCredentials("alice:Correct horse") + "never sent");
        fixture.checks.runAll();

        assertThat(fixture.toClient()).isEqualTo(CHALLENGE);
        assertThat(fixture.frontend.isOpen()).isFalse();
        assertThat(fixture.framesToAgent()).isEmpty();
        assertThat(fixture.answer.identity()).isEqualTo(ProxyIdentity.ANONYMOUS);
    }

    @Test
    void aMalformedHeaderGetsTheChallengeAtOnce() {
        fixture.fromClient(CONNECT + "Proxy-Authorization: Basic not base64!\r\n\r\n");
        assertThat(fixture.toClient()).isEqualTo(CHALLENGE);
        assertThat(fixture.checks.pending()).isZero();
    }

    @Test
    void anAbsoluteFormRequestWithoutCredentialsGetsTheChallengeToo() {
        fixture.fromClient("GET http://db.internal:5432/ HTTP/1.1\r\nHost: db.internal:5432\r\n\r\n");

        assertThat(fixture.toClient()).isEqualTo(CHALLENGE);
        assertThat(fixture.framesToAgent()).isEmpty();
        assertThat(fixture.checks.pending()).isZero();
    }

    @Test
    void anAbsoluteFormRequestAndItsBodyWaitForThePasswordAndLoseTheCredentials() {
        fixture.fromClient("POST http://db.internal:5432/form HTTP/1.1\r\nHost: db.internal:5432\r\n"
                + "Proxy-Authorization: " + ProxyAuthenticatorTest.basic("alice:correct horse") + "\r\n"
                + "Content-Length: 5\r\n\r\nhello");
        assertThat(fixture.framesToAgent()).as("no dial before the password passed").isEmpty();

        fixture.checks.runAll();
        fixture.runTasks();
        assertThat(fixture.framesToAgent()).containsExactly(new DialFrame(1, "db.internal", 5432, 5_000));
        fixture.fromAgent(DialResultFrame.success(1));
        StringBuilder sent = new StringBuilder();
        for (TunnelFrame frame : fixture.framesToAgent()) {
            if (frame instanceof DataFrame data) {
                sent.append(data.content().toString(StandardCharsets.US_ASCII));
                data.release();
            }
        }
        assertThat(sent.toString()).startsWith("POST /form HTTP/1.1\r\n").endsWith("\r\n\r\nhello")
                .doesNotContainIgnoringCase("Proxy-Authorization");
        assertThat(fixture.link.stream(1).identity()).isEqualTo("alice");
    }

    @Test
    void aClientThatLeavesWhileItsPasswordIsCheckedIsForgotten() {
        fixture.fromClient(withCredentials("alice:correct horse") + "early bytes");
        fixture.frontend.close();
        fixture.checks.runAll();
        fixture.runTasks();

        assertThat(fixture.framesToAgent()).as("no dial for a client gone").isEmpty();
        assertThat(fixture.toClient()).isEmpty();
        assertThat(fixture.link.streamCount()).isZero();
    }
}
