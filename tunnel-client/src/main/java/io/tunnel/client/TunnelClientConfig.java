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

    /** {@link #proxyHost()} of a {@link #builder()} not told otherwise. */
    public static final String DEFAULT_PROXY_HOST = "127.0.0.1";
    /** {@link #proxyPort()} of a {@link #builder()} not told otherwise: tunnel-server's default frontend port. */
    public static final int DEFAULT_PROXY_PORT = 8090;
    /** {@link #connectTimeout()} of a {@link #builder()} not told otherwise. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** {@link #dialTimeout()} of a {@link #builder()} not told otherwise. */
    public static final Duration DEFAULT_DIAL_TIMEOUT = Duration.ofSeconds(10);

    /**
     * Checks every component; see {@link #builder()} for defaults.
     *
     * @param proxyHost        host name or address of the proxy
     * @param proxyPort        port of the proxy's frontend
     * @param tls              TLS files, or {@code null} for a plaintext frontend
     * @param connectTimeout   bound on the TCP connect plus the TLS handshake
     * @param dialTimeout      bound on the wait for the proxy's answer to CONNECT
     * @param tlsProvider      TLS implementation of {@link TunnelClient#dialChannel}
     * @param allowHalfClosure whether channels are opened with {@code ALLOW_HALF_CLOSURE}
     * @throws NullPointerException     if a component other than {@code tls} is {@code null}
     * @throws IllegalArgumentException if the host is empty, the port not in [1, 65535] or a timeout not positive
     */
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

    /**
     * This config with {@code allowHalfClosure} set as given.
     *
     * @param allow whether channels are opened with {@code ALLOW_HALF_CLOSURE}
     * @return a config like this one but for {@code allowHalfClosure}
     */
    public TunnelClientConfig withAllowHalfClosure(boolean allow) {
        return new TunnelClientConfig(proxyHost, proxyPort, tls, connectTimeout, dialTimeout, tlsProvider, allow);
    }

    /**
     * Whether the proxy is spoken to over TLS.
     *
     * @return {@code true} if the config has TLS files
     */
    public boolean isTls() {
        return tls != null;
    }

    /**
     * The proxy, as error messages name it.
     *
     * @return the proxy as {@code host:port} (an IPv6 address in brackets)
     */
    public String proxyAuthority() {
        return ProxyProtocol.authority(proxyHost, proxyPort);
    }

    /**
     * A builder with every default: proxy {@value #DEFAULT_PROXY_HOST}:{@value #DEFAULT_PROXY_PORT} in plaintext,
     * 10 s connect and dial timeouts, {@link TlsProvider#AUTO}, no half-closure.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * PEM files for TLS to the proxy: the CA its certificate must chain to, and optionally the client certificate
     * and its PKCS#8 key (both or neither) for a frontend that requires one.
     *
     * @param caCert     the CA certificate(s) the proxy's certificate must chain to
     * @param clientCert the client certificate (chain), or {@code null} for none
     * @param clientKey  the client certificate's private key, PKCS#8, or {@code null} for none
     */
    public record TlsFiles(Path caCert, Path clientCert, Path clientKey) {
        /**
         * Checks the files go together; they are read by {@link TunnelClient}'s constructor.
         *
         * @param caCert     the CA certificate(s) the proxy's certificate must chain to
         * @param clientCert the client certificate (chain), or {@code null} for none
         * @param clientKey  the client certificate's private key, PKCS#8, or {@code null} for none
         * @throws NullPointerException     if {@code caCert} is {@code null}
         * @throws IllegalArgumentException if only one of {@code clientCert} and {@code clientKey} is given
         */
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

        /**
         * Where the proxy is.
         *
         * @param host the proxy's host name or address (resolved with the system resolver, off the event loops)
         * @param port the port of its CONNECT frontend
         * @return this builder
         */
        public Builder proxy(String host, int port) {
            this.proxyHost = host;
            this.proxyPort = port;
            return this;
        }

        /**
         * TLS to the proxy with a client certificate (the tunnel-server's mTLS frontend).
         *
         * @param caCert     PEM: the CA certificate(s) the proxy's certificate must chain to
         * @param clientCert PEM: the client certificate (chain)
         * @param clientKey  PEM: its private key, PKCS#8
         * @return this builder
         */
        public Builder mutualTls(Path caCert, Path clientCert, Path clientKey) {
            this.tls = new TlsFiles(caCert, Objects.requireNonNull(clientCert, "clientCert"),
                    Objects.requireNonNull(clientKey, "clientKey"));
            return this;
        }

        /**
         * TLS to the proxy without a client certificate.
         *
         * @param caCert PEM: the CA certificate(s) the proxy's certificate must chain to
         * @return this builder
         */
        public Builder tls(Path caCert) {
            this.tls = new TlsFiles(caCert, null, null);
            return this;
        }

        /**
         * TLS to the proxy as {@code tls} says.
         *
         * @param tls the TLS files, or {@code null} for a plaintext frontend
         * @return this builder
         */
        public Builder tls(TlsFiles tls) {
            this.tls = tls;
            return this;
        }

        /**
         * Bound on the TCP connect to the proxy plus the TLS handshake.
         *
         * @param connectTimeout a positive duration
         * @return this builder
         */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /**
         * Bound on the wait for the proxy's answer to CONNECT.
         *
         * @param dialTimeout a positive duration
         * @return this builder
         */
        public Builder dialTimeout(Duration dialTimeout) {
            this.dialTimeout = dialTimeout;
            return this;
        }

        /**
         * The TLS implementation of {@link TunnelClient#dialChannel} (see {@link TunnelClientConfig#tlsProvider()}).
         *
         * @param tlsProvider OpenSSL (BoringSSL), the JDK's, or {@code AUTO}: OpenSSL where it loads
         * @return this builder
         */
        public Builder tlsProvider(TlsProvider tlsProvider) {
            this.tlsProvider = tlsProvider;
            return this;
        }

        /**
         * Whether channels are opened with {@code ALLOW_HALF_CLOSURE} (see
         * {@link TunnelClientConfig#allowHalfClosure()}).
         *
         * @param allowHalfClosure {@code true} to see the end of the target's data as an event, not a close
         * @return this builder
         */
        public Builder allowHalfClosure(boolean allowHalfClosure) {
            this.allowHalfClosure = allowHalfClosure;
            return this;
        }

        /**
         * The config.
         *
         * @return a config of what this builder was told
         * @throws NullPointerException     if a setting was set to {@code null}
         * @throws IllegalArgumentException if the host is empty, the port not in [1, 65535] or a timeout not positive
         */
        public TunnelClientConfig build() {
            return new TunnelClientConfig(proxyHost, proxyPort, tls, connectTimeout, dialTimeout, tlsProvider,
                    allowHalfClosure);
        }
    }
}
