package io.tunnel.client;

import io.tunnel.core.tls.TlsProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Where the tunnel's proxy (tunnel-server's CONNECT frontend) is and how to reach it.
 *
 * @param proxyHost        host name or address of the proxy
 * @param proxyPort        port of the proxy's frontend
 * @param tls              CA (and client certificate and key, for mTLS) to speak TLS to the proxy; {@code null}
 *                         for a plaintext frontend
 * @param connectTimeout   bound on the TCP connect to the proxy plus the TLS handshake
 * @param dialTimeout      bound on the wait for the proxy's answer to CONNECT (after the TLS handshake); an open
 *                         tunnel has no timeout of its own
 * @param tlsProvider      TLS implementation of {@link TunnelClient#dialChannel} (sockets always use the JDK's).
 *                         OpenSSL's engine stops sending once it receives a close_notify, so with it a channel
 *                         cannot write after the target half-closed; the JDK's carries that half-close
 * @param allowHalfClosure whether channels from {@link TunnelClient#dialChannel} are opened with
 *                         {@code ALLOW_HALF_CLOSURE}: the end of the target's data is then a
 *                         {@code ChannelInputShutdownEvent} and the channel stays open for writing
 */
public record TunnelClientConfig(
        String proxyHost,
        int proxyPort,
        TlsFiles tls,
        Duration connectTimeout,
        Duration dialTimeout,
        TlsProvider tlsProvider,
        boolean allowHalfClosure) {

    public static final String DEFAULT_PROXY_HOST = "127.0.0.1";
    public static final int DEFAULT_PROXY_PORT = 8090;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_DIAL_TIMEOUT = Duration.ofSeconds(10);

    public TunnelClientConfig {
        Objects.requireNonNull(proxyHost, "proxyHost");
        if (proxyHost.isEmpty()) {
            throw new IllegalArgumentException("proxyHost is empty");
        }
        if (proxyPort < 1 || proxyPort > 65535) {
            throw new IllegalArgumentException("proxyPort must be in [1, 65535]");
        }
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(dialTimeout, "dialTimeout");
        Objects.requireNonNull(tlsProvider, "tlsProvider");
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }

    /** This config with {@code allowHalfClosure} set as given. */
    public TunnelClientConfig withAllowHalfClosure(boolean allow) {
        return new TunnelClientConfig(proxyHost, proxyPort, tls, connectTimeout, dialTimeout, tlsProvider, allow);
    }

    /** {@code true} if the proxy is spoken to over TLS. */
    public boolean isTls() {
        return tls != null;
    }

    /** The proxy as {@code host:port}. */
    public String proxyAuthority() {
        return ProxyProtocol.authority(proxyHost, proxyPort);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * PEM files for TLS to the proxy: the CA its certificate must chain to, and optionally the client certificate
     * and its PKCS#8 key (both or neither) for a frontend that requires one.
     */
    public record TlsFiles(Path caCert, Path clientCert, Path clientKey) {
        public TlsFiles {
            Objects.requireNonNull(caCert, "caCert");
            if ((clientCert == null) != (clientKey == null)) {
                throw new IllegalArgumentException("clientCert and clientKey go together");
            }
        }
    }

    /** Builds a config; everything but the proxy has a default. */
    public static final class Builder {
        private String proxyHost = DEFAULT_PROXY_HOST;
        private int proxyPort = DEFAULT_PROXY_PORT;
        private TlsFiles tls;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration dialTimeout = DEFAULT_DIAL_TIMEOUT;
        private TlsProvider tlsProvider = TlsProvider.AUTO;
        private boolean allowHalfClosure;

        private Builder() {
        }

        public Builder proxy(String host, int port) {
            this.proxyHost = host;
            this.proxyPort = port;
            return this;
        }

        /** TLS to the proxy with a client certificate (the tunnel-server's mTLS frontend). */
        public Builder mutualTls(Path caCert, Path clientCert, Path clientKey) {
            this.tls = new TlsFiles(caCert, Objects.requireNonNull(clientCert, "clientCert"),
                    Objects.requireNonNull(clientKey, "clientKey"));
            return this;
        }

        /** TLS to the proxy without a client certificate. */
        public Builder tls(Path caCert) {
            this.tls = new TlsFiles(caCert, null, null);
            return this;
        }

        public Builder tls(TlsFiles tls) {
            this.tls = tls;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        public Builder dialTimeout(Duration dialTimeout) {
            this.dialTimeout = dialTimeout;
            return this;
        }

        public Builder tlsProvider(TlsProvider tlsProvider) {
            this.tlsProvider = tlsProvider;
            return this;
        }

        public Builder allowHalfClosure(boolean allowHalfClosure) {
            this.allowHalfClosure = allowHalfClosure;
            return this;
        }

        public TunnelClientConfig build() {
            return new TunnelClientConfig(proxyHost, proxyPort, tls, connectTimeout, dialTimeout, tlsProvider,
                    allowHalfClosure);
        }
    }
}
