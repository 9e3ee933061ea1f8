package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Who sent a CONNECT: Basic credentials checked off the loop and remembered, bearer tokens, every malformed header
 * answered with the same challenge, failures limited per source, and too many checks waiting answered 503.
 */
class ProxyAuthenticatorTest {
    private static final ProxyUsers USERS = ProxyUsers.parse(List.of(ProxyUsersTest.ALICE, ProxyUsersTest.BOB));
    private static final ProxyTokens TOKENS = ProxyTokens.parse(List.of("ci:" + ProxyTokensTest.CI_TOKEN));
    private static final String ALICE = basic("alice:correct horse");
    private static final ProxyResponse CHALLENGE = ProxyResponse.PROXY_AUTH_BASIC_OR_BEARER;

    private final ServerMetrics metrics = new ServerMetrics(new AgentRegistry());
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private ManualExecutor checks = new ManualExecutor();
    private long now = 1_000;
    private ProxyAuthenticator authenticator = authenticator(basicAndBearer(3), checks);

    @AfterEach
    void close() {
        authenticator.close();
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private static ProxyAuthConfig basicAndBearer(int maxFailures) {
        return new ProxyAuthConfig(ProxyAuthConfig.ClientCertificates.NONE, true, true, USERS, TOKENS, maxFailures);
    }

    private ProxyAuthenticator authenticator(ProxyAuthConfig config, ManualExecutor executor) {
        return new ProxyAuthenticator(config, metrics, executor, () -> now);
    }

    static String basic(String userPass) {
        return "Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    }

    /** A frontend connection from {@code ip}. */
    private EmbeddedChannel from(String ip) throws Exception {
        SocketAddress address = new InetSocketAddress(InetAddress.getByName(ip), 40_000);
        EmbeddedChannel channel = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return address;
            }
        };
        channels.add(channel);
        return channel;
    }

    private Future<ProxyAuthOutcome> authenticate(EmbeddedChannel channel, String header) {
        return authenticator.authenticate(channel, new ConnectRequest("db.internal", 5432, null, header));
    }

    /** Authenticates, runs the checks it queued, and returns the outcome. */
    private ProxyAuthOutcome outcome(EmbeddedChannel channel, String header) {
        Future<ProxyAuthOutcome> future = authenticate(channel, header);
        checks.runAll();
        channel.runPendingTasks();
        assertThat(future.isDone()).isTrue();
        return future.getNow();
    }

    private ProxyAuthOutcome outcome(String header) throws Exception {
        return outcome(from("192.0.2.1"), header);
    }

    private long counted(String metric, String... labels) {
        return (long) metrics.registry().scrape().stream()
                .filter(s -> s.getMetadata().getPrometheusName().equals(metric))
                .flatMap(s -> s.getDataPoints().stream())
                .filter(p -> {
                    for (int i = 0; i < labels.length; i += 2) {
                        if (!labels[i + 1].equals(p.getLabels().get(labels[i]))) {
                            return false;
                        }
                    }
                    return true;
                })
                .mapToDouble(p -> ((CounterDataPointSnapshot) p).getValue()).sum();
    }

    private long failures(String cause) {
        return counted("tunnel_server_proxy_auth_failures", "cause", cause);
    }

    @Test
    void aPasswordIsCheckedOffTheLoopAndItsUserIsTheIdentity() throws Exception {
        EmbeddedChannel channel = from("192.0.2.1");
        Future<ProxyAuthOutcome> future = authenticate(channel, ALICE);
        assertThat(future.isDone()).as("nothing decided on the loop").isFalse();
        assertThat(checks.pending()).isEqualTo(1);

        checks.runAll();
        channel.runPendingTasks();
        assertThat(future.getNow()).isEqualTo(ProxyAuthOutcome.accepted(new ProxyIdentity("basic", "alice")));
        assertThat(counted("tunnel_server_authenticated_requests", "method", "basic", "identity", "alice"))
                .isEqualTo(1);

        assertThat(outcome(basic("bob:pässwörd")).identity()).as("UTF-8 (RFC 7617)")
                .isEqualTo(new ProxyIdentity("basic", "bob"));
        assertThat(outcome("bAsIc   " + ALICE.substring(6)).isAccepted()).as("the scheme in any case").isTrue();
    }

    @Test
    void aPasswordThatPassedIsRememberedForAWhileAndNothingElseIs() throws Exception {
        assertThat(outcome(ALICE).isAccepted()).isTrue();

        Future<ProxyAuthOutcome> again = authenticate(from("192.0.2.9"), ALICE);
        assertThat(again.isDone()).as("remembered: decided at once, no bcrypt").isTrue();
        assertThat(again.getNow().identity()).isEqualTo(new ProxyIdentity("basic", "alice"));
        assertThat(checks.pending()).isZero();

        Future<ProxyAuthOutcome> other = authenticate(from("192.0.2.1"), basic("alice:correct horsE"));
        assertThat(checks.pending()).as("another password is checked").isEqualTo(1);
        checks.runAll();
        assertThat(other.isDone()).isTrue();

        now += ProxyAuthenticator.REMEMBER_NANOS - 1;
        assertThat(authenticate(from("192.0.2.1"), ALICE).isDone()).isTrue();
        now += 1;
        assertThat(authenticate(from("192.0.2.1"), ALICE).isDone()).as("forgotten: checked again").isFalse();
        assertThat(checks.pending()).isEqualTo(1);
    }

    @Test
    void wrongPasswordsAndUnknownUsersGetTheChallengeAndTheLogSaysWhich() throws Exception {
        assertThat(outcome(basic("alice:wrong"))).isEqualTo(
                ProxyAuthOutcome.refused(CHALLENGE, "wrong password for user alice"));
        assertThat(outcome(basic("mallory:correct horse"))).as("an unknown user is not named").isEqualTo(
                ProxyAuthOutcome.refused(CHALLENGE, "unknown user"));
        assertThat(outcome(basic("alice:"))).isEqualTo(
                ProxyAuthOutcome.refused(CHALLENGE, "wrong password for user alice"));
        assertThat(failures("wrong_password")).isEqualTo(2);
        assertThat(failures("unknown_user")).isEqualTo(1);
        assertThat(counted("tunnel_server_authenticated_requests")).isZero();
    }

    @Test
    void everyMalformedHeaderGetsTheSameChallenge() throws Exception {
        authenticator = authenticator(basicAndBearer(0), checks);
        byte[] latin1User = "jörg:pw".getBytes(StandardCharsets.ISO_8859_1);
        List<String> malformed = List.of("", "Basic", "Basic ", "Basic !!!!", "Basic YWxpY2U=" /* no colon */,
                "Basic " + Base64.getEncoder().encodeToString(latin1User), "Basic YWxpY2U6cHc=trailing",
                "Bearer", "Bearer ", "Bearer a b", "Bearer t\u00f6ken", "Bearer ==", " Basic YTpi");
        for (String header : malformed) {
            assertThat(outcome(header)).as("'%s'", header).isEqualTo(
                    ProxyAuthOutcome.refused(CHALLENGE, "malformed Proxy-Authorization header"));
        }
        assertThat(checks.pending()).isZero();
        assertThat(failures("malformed")).isEqualTo(malformed.size());
        assertThat(outcome("Digest username=\"alice\"")).isEqualTo(
                ProxyAuthOutcome.refused(CHALLENGE, "Proxy-Authorization scheme not accepted"));
        assertThat(outcome((String) null)).isEqualTo(
                ProxyAuthOutcome.refused(CHALLENGE, "no Proxy-Authorization header"));
    }

    @Test
    void aBearerTokenIsItsNameAndOnlyTheWholeTokenIs() throws Exception {
        authenticator = authenticator(basicAndBearer(0), checks);
        String token = ProxyTokensTest.CI_TOKEN;
        assertThat(outcome("Bearer " + token).identity()).isEqualTo(new ProxyIdentity("bearer", "ci"));
        assertThat(checks.pending()).isZero();
        for (String wrong : List.of(token.substring(1), token.substring(0, token.length() - 1), token + "0",
                token.toUpperCase())) {
            assertThat(outcome("Bearer " + wrong)).as(wrong).isEqualTo(
                    ProxyAuthOutcome.refused(CHALLENGE, "unknown bearer token"));
        }
        assertThat(outcome(basic("ci:" + token)).isAccepted()).as("a token is no password").isFalse();
    }

    @Test
    void aSchemeNotConfiguredIsRefusedAndTheChallengeNamesOnlyTheOneThatIs() throws Exception {
        authenticator = authenticator(new ProxyAuthConfig(ProxyAuthConfig.ClientCertificates.NONE, false, true,
                ProxyUsers.NONE, TOKENS, 3), null);
        assertThat(outcome(ALICE)).isEqualTo(ProxyAuthOutcome.refused(ProxyResponse.PROXY_AUTH_BEARER,
                "Proxy-Authorization scheme not accepted"));
        authenticator = authenticator(new ProxyAuthConfig(ProxyAuthConfig.ClientCertificates.NONE, true, false,
                USERS, ProxyTokens.NONE, 3), checks);
        assertThat(outcome("Bearer " + ProxyTokensTest.CI_TOKEN).refusal()).isEqualTo(ProxyResponse.PROXY_AUTH_BASIC);
    }

    @Test
    void aSourceThatFailedTooOftenIsRefusedUncheckedEvenWithTheRightPassword() throws Exception {
        EmbeddedChannel guesser = from("192.0.2.66");
        for (int i = 0; i < 3; i++) {
            assertThat(outcome(guesser, basic("alice:guess" + i)).isAccepted()).isFalse();
        }
        ProxyAuthOutcome limited = outcome(from("192.0.2.66"), ALICE);
        assertThat(limited).isEqualTo(ProxyAuthOutcome.refused(ProxyResponse.TOO_MANY_AUTH_FAILURES,
                "too many failed authentications from this source"));
        ByteBuf answer = limited.refusal().toBuffer();
        assertThat(answer.toString(StandardCharsets.US_ASCII))
                .startsWith("HTTP/1.1 429 Too Many Requests\r\n").contains("Retry-After: 60\r\n");
        answer.release();
        assertThat(failures("rate_limited")).isEqualTo(1);
        assertThat(outcome(from("192.0.2.67"), ALICE).isAccepted()).as("another source").isTrue();

        now += TimeUnit.SECONDS.toNanos(20);
        assertThat(outcome(from("192.0.2.66"), ALICE).isAccepted()).as("one failure forgiven").isTrue();
    }

    @Test
    void aMissingHeaderIsNoGuessAndDoesNotCountAgainstTheSource() throws Exception {
        EmbeddedChannel client = from("192.0.2.5");
        for (int i = 0; i < 10; i++) {
            assertThat(outcome(client, null).reason()).isEqualTo("no Proxy-Authorization header");
        }
        assertThat(outcome(client, ALICE).isAccepted()).isTrue();
        assertThat(failures("missing")).isEqualTo(10);
    }

    @Test
    void tooManyChecksWaitingIsA503AndCostsNoCheck() throws Exception {
        checks = new ManualExecutor(1);
        authenticator = authenticator(basicAndBearer(3), checks);
        Future<ProxyAuthOutcome> first = authenticate(from("192.0.2.1"), ALICE);
        ProxyAuthOutcome second = outcome(from("192.0.2.2"), basic("bob:pässwörd"));
        assertThat(second).isEqualTo(ProxyAuthOutcome.refused(ProxyResponse.AUTH_BUSY,
                "too many authentications in progress"));
        assertThat(first.isDone()).isTrue();
        assertThat(failures("busy")).isEqualTo(1);
    }

    @Test
    void withoutCredentialsConfiguredEveryClientIsAnonymousAndNothingIsCounted() throws Exception {
        authenticator = authenticator(ProxyAuthConfig.DEFAULT, null);
        Future<ProxyAuthOutcome> future = authenticate(from("192.0.2.1"), "Basic garbage");
        assertThat(future.isDone()).isTrue();
        assertThat(future.getNow()).isEqualTo(ProxyAuthOutcome.accepted(ProxyIdentity.ANONYMOUS));
        assertThat(counted("tunnel_server_authenticated_requests")).isZero();
        assertThat(counted("tunnel_server_proxy_auth_failures")).isZero();
    }
}
