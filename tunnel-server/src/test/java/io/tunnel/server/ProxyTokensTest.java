package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tokens file of {@code --frontend-auth bearer}. */
class ProxyTokensTest {
    static final String CI_TOKEN = "3f9c1b0e8d7a6f5e4d3c2b1a09f8e7d6";
    static final String JWT_LIKE = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZXBsb3kifQ.c2lnbmF0dXJlLWJ5dGVz+/_~-==";

    @Test
    void namedAndBareTokensAreFoundByTheirValue() {
        ProxyTokens tokens = ProxyTokens.parse(List.of("# tokens", "ci:" + CI_TOKEN, "", JWT_LIKE));
        assertThat(tokens.size()).isEqualTo(2);
        assertThat(tokens.nameOf(CI_TOKEN)).isEqualTo("ci");
        assertThat(tokens.nameOf(JWT_LIKE)).as("a bare token is named by its line").isEqualTo("token-4");
        assertThat(tokens.nameOf(CI_TOKEN.substring(1))).isNull();
        assertThat(tokens.nameOf(CI_TOKEN + "0")).isNull();
        assertThat(tokens.nameOf("ci")).isNull();
    }

    @Test
    void everyDigestIsComparedInFullWhicheverTokenMatchesIfAny() {
        ProxyTokens tokens = ProxyTokens.parse(List.of("ci:" + CI_TOKEN, "deploy:" + JWT_LIKE,
                "other:" + CI_TOKEN.toUpperCase(java.util.Locale.ROOT)));
        for (String presented : List.of(CI_TOKEN, JWT_LIKE, "no-such-token-at-all", "x")) {
            List<Integer> compared = new java.util.ArrayList<>();
            tokens.nameOf(presented, (listed, digest) -> {
                compared.add(listed.length);
                compared.add(digest.length);
                return MessageDigest.isEqual(listed, digest);
            });
            assertThat(compared).as("three digests of 32 bytes, each against one of 32: %s", presented)
                    .containsExactly(32, 32, 32, 32, 32, 32);
        }
    }

    @Test
    void shortOrMalformedTokensRepeatsAndEmptyFilesAreRefused() {
        assertThatThrownBy(() -> ProxyTokens.parse(List.of("ci:0123456789abcde")))
                .hasMessage("line 1: token ci is not at least 16 characters of letters, digits and -._~+/ (RFC 6750)");
        assertThatThrownBy(() -> ProxyTokens.parse(List.of("ci:0123456789abcdef 0"))).hasMessageContaining("RFC 6750");
        assertThatThrownBy(() -> ProxyTokens.parse(List.of("ci:0123456789abcdef=0"))).hasMessageContaining("RFC 6750");
        assertThatThrownBy(() -> ProxyTokens.parse(List.of("c i:" + CI_TOKEN)))
                .hasMessageStartingWith("line 1: a token name is 1 to 255 visible ASCII characters");
        assertThatThrownBy(() -> ProxyTokens.parse(List.of("ci:" + CI_TOKEN, "deploy:" + CI_TOKEN)))
                .hasMessage("line 2: token deploy is the same as ci");
        assertThatThrownBy(() -> ProxyTokens.parse(List.of("ci:" + CI_TOKEN, "ci:" + JWT_LIKE)))
                .hasMessage("line 2: token name ci listed twice");
        assertThatThrownBy(() -> ProxyTokens.parse(List.of("#"))).hasMessage("lists no token");
    }

    @Test
    void theSyntaxOfABearerTokenIsRfc6750s() {
        assertThat(ProxyTokens.isToken("aZ09-._~+/==")).isTrue();
        assertThat(ProxyTokens.isToken("a")).isTrue();
        assertThat(ProxyTokens.isToken("")).isFalse();
        assertThat(ProxyTokens.isToken("==")).isFalse();
        assertThat(ProxyTokens.isToken("a=b")).isFalse();
        assertThat(ProxyTokens.isToken("a b")).isFalse();
        assertThat(ProxyTokens.isToken("a,b")).isFalse();
        assertThat(ProxyTokens.isToken("tök")).isFalse();
    }

    @Test
    void theTextOfTheTokensShowsNone() {
        assertThat(ProxyTokens.parse(List.of("ci:" + CI_TOKEN))).hasToString("ProxyTokens[1 token(s)]");
    }
}
