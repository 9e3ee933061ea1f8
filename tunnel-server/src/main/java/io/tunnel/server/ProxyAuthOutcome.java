package io.tunnel.server;

/**
 * What {@link ProxyAuthenticator} made of a CONNECT: who sent it, or the answer that refuses it and why.
 *
 * @param identity the client, or {@code null} if refused
 * @param refusal  the answer to a refused request ({@code 407}, or {@code 503} when too many checks are waiting)
 * @param reason   why it was refused, for the access log only (never sent, never a secret); {@code null} if accepted
 */
record ProxyAuthOutcome(ProxyIdentity identity, ProxyResponse refusal, String reason) {
    static ProxyAuthOutcome accepted(ProxyIdentity identity) {
        return new ProxyAuthOutcome(identity, null, null);
    }

    static ProxyAuthOutcome refused(ProxyResponse refusal, String reason) {
        return new ProxyAuthOutcome(null, refusal, reason);
    }

    boolean isAccepted() {
        return identity != null;
    }
}
