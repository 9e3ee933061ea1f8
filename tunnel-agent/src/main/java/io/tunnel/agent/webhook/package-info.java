/**
 * {@code tunnel-agent pod-webhook}: a mutating admission webhook that points every container of a new Pod at the
 * apiserver's name, the way Gardener's {@code apiserver-proxy-pod-webhook} does: it sets
 * {@code KUBERNETES_SERVICE_HOST=<--apiserver-fqdn>} in each container and init container.
 *
 * <p>Flow: {@link io.tunnel.agent.webhook.PodWebhookMain} parses {@link io.tunnel.agent.webhook.WebhookFlags} into a
 * {@link io.tunnel.agent.webhook.WebhookConfig}; {@link io.tunnel.agent.webhook.PodWebhookServer} serves HTTPS on
 * Netty (pipeline in {@link io.tunnel.agent.webhook.WebhookPipeline}); {@link
 * io.tunnel.agent.webhook.WebhookHandler} routes each request, {@link io.tunnel.agent.webhook.AdmissionReviews} reads
 * the review and writes the answer, and {@link io.tunnel.agent.webhook.PodEnvPatch} computes the JSON Patch, a pure
 * function of the Pod. All JSON goes through Jackson.
 */
package io.tunnel.agent.webhook;
