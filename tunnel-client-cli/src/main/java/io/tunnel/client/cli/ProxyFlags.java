package io.tunnel.client.cli;

import com.beust.jcommander.Parameter;
import io.tunnel.client.TunnelClientConfig;
import io.tunnel.core.cli.DurationConverter;
import io.tunnel.core.cli.PathConverter;
import io.tunnel.core.tls.TlsProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** How to reach the proxy (tunnel-server's CONNECT frontend); shared by every command. */
final class ProxyFlags {
    @Parameter(names = "--proxy-host", description = "Host of the tunnel-server frontend")
    String host = TunnelClientConfig.DEFAULT_PROXY_HOST;

    @Parameter(names = "--proxy-port", description = "Port of the tunnel-server frontend")
    int port = TunnelClientConfig.DEFAULT_PROXY_PORT;

    @Parameter(names = "--ca-cert", converter = PathConverter.class,
            description = "CA the proxy's certificate must chain to (PEM); speaks TLS to the proxy")
    Path caCert;

    @Parameter(names = "--client-cert", converter = PathConverter.class,
            description = "Client certificate for an mTLS frontend (PEM; with --client-key and --ca-cert)")
    Path clientCert;

    @Parameter(names = "--client-key", converter = PathConverter.class,
            description = "Private key of --client-cert (PEM, PKCS#8)")
    Path clientKey;

    @Parameter(names = "--connect-timeout", converter = DurationConverter.class,
            description = "Longest time to connect to the proxy, TLS handshake included")
    Duration connectTimeout = TunnelClientConfig.DEFAULT_CONNECT_TIMEOUT;

    @Parameter(names = "--dial-timeout", converter = DurationConverter.class,
            description = "Longest wait for the proxy's answer to CONNECT")
    Duration dialTimeout = TunnelClientConfig.DEFAULT_DIAL_TIMEOUT;

    @Parameter(names = "--tls-provider", description = "TLS implementation: AUTO (OpenSSL if available), OPENSSL, "
            + "JDK. With OpenSSL nothing more is sent once the target half-closed; JDK carries that half-close")
    TlsProvider tlsProvider = TlsProvider.AUTO;

    /** Adds what parsing cannot check to {@code problems}. */
    void check(List<String> problems) {
        if ((clientCert == null) != (clientKey == null)) {
            problems.add("--client-cert and --client-key go together");
        } else if (clientCert != null && caCert == null) {
            problems.add("--client-cert and --client-key need --ca-cert");
        }
        if (port < 1 || port > 65535) {
            problems.add("--proxy-port must be in [1, 65535]");
        }
        if (host.isEmpty()) {
            problems.add("--proxy-host must not be empty");
        }
    }

    TunnelClientConfig toConfig() {
        TunnelClientConfig.Builder builder = TunnelClientConfig.builder()
                .proxy(host, port)
                .connectTimeout(connectTimeout)
                .dialTimeout(dialTimeout)
                .tlsProvider(tlsProvider);
        if (caCert != null) {
            builder.tls(new TunnelClientConfig.TlsFiles(caCert, clientCert, clientKey));
        }
        return builder.build();
    }
}
