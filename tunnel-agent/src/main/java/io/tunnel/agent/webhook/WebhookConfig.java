package io.tunnel.agent.webhook;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * Everything a {@link PodWebhookServer} needs, fixed before it starts.
 *
 * @param apiserverFqdn the value set as {@code KUBERNETES_SERVICE_HOST}
 * @param cert          the server certificate (PEM, chain allowed)
 * @param key           its private key (PEM, PKCS#8)
 * @param clientCa      CA that client certificates must chain to; {@code null}: no client certificate asked for
 * @param bind          where to listen
 */
public record WebhookConfig(String apiserverFqdn, Path cert, Path key, Path clientCa, InetSocketAddress bind) {
}
