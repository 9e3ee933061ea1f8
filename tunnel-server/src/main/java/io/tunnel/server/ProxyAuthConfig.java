package io.tunnel.server;

import io.netty.handler.ssl.ClientAuth;
import java.util.Locale;

/**
 * How frontend clients prove who they are ({@code --server-client-auth}, {@code --frontend-auth}).
 *
 * @param clientCertificates whether a TLS frontend asks for client certificates
 * @param basic              whether a client without a certificate may authenticate with {@code Basic} credentials
 *                           of {@code users}
 * @param bearer             whether it may with a {@code Bearer} token of {@code tokens}
 * @param users              the users file of {@code basic} ({@link ProxyUsers#NONE} without it)
 * @param tokens             the tokens file of {@code bearer} ({@link ProxyTokens#NONE} without it)
 * @param maxFailures        failed authentications a source may make at once and per minute ({@link
 *                           AuthFailureLimiter}); 0: no limit
 */
public record ProxyAuthConfig(ClientCertificates clientCertificates, boolean basic, boolean bearer, ProxyUsers users,
                              ProxyTokens tokens, int maxFailures) {
    /** Failed authentications per source and minute, unless {@code --proxy-auth-max-failures} says otherwise. */
    public static final int DEFAULT_MAX_FAILURES = 10;
    /** Client certificates required (on TLS), no proxy credentials asked: the server as it always was. */
    public static final ProxyAuthConfig DEFAULT = new ProxyAuthConfig(ClientCertificates.REQUIRE, false, false,
            ProxyUsers.NONE, ProxyTokens.NONE, DEFAULT_MAX_FAILURES);

    /** Whether a TLS frontend requires a client certificate (mutual TLS). */
    public boolean certificateRequired() {
        return clientCertificates == ClientCertificates.REQUIRE;
    }

    /** Whether a client without a certificate must present credentials. */
    public boolean credentialsRequired() {
        return basic || bearer;
    }

    /** The {@code 407} that asks for the schemes accepted. */
    ProxyResponse challenge() {
        return basic && bearer ? ProxyResponse.PROXY_AUTH_BASIC_OR_BEARER
                : basic ? ProxyResponse.PROXY_AUTH_BASIC : ProxyResponse.PROXY_AUTH_BEARER;
    }

    /** {@code --server-client-auth}: whether the TLS frontend asks clients for a certificate. */
    public enum ClientCertificates {
        /** Never asked: clients authenticate with {@code --frontend-auth} or not at all. */
        NONE(ClientAuth.NONE),
        /** Asked; a client that presents one is identified by it, one that does not by its credentials. */
        OPTIONAL(ClientAuth.OPTIONAL),
        /** Mutual TLS: a client without a certificate fails the handshake. */
        REQUIRE(ClientAuth.REQUIRE);

        private final ClientAuth netty;

        ClientCertificates(ClientAuth netty) {
            this.netty = netty;
        }

        public ClientAuth toNetty() {
            return netty;
        }

        /** The name as the flag takes it. */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
