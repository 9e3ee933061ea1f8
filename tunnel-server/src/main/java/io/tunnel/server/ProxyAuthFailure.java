package io.tunnel.server;

/**
 * Why a CONNECT failed proxy authentication: the {@code cause} label of {@code
 * tunnel_server_proxy_auth_failures_total} and the words of its access-log line. The client learns none of it: it
 * gets the same {@code 407} whatever the cause (but {@code 429} when {@link #RATE_LIMITED}, {@code 503} when
 * {@link #BUSY}).
 */
enum ProxyAuthFailure {
    /** No {@code Proxy-Authorization} header: the usual first request of a client that waits for the challenge. */
    MISSING("missing", "no Proxy-Authorization header", false),
    /** Not {@code <scheme> <credentials>}, or credentials that do not decode. */
    MALFORMED("malformed", "malformed Proxy-Authorization header", true),
    /** A scheme that {@code --frontend-auth} does not accept. */
    SCHEME("scheme", "Proxy-Authorization scheme not accepted", true),
    UNKNOWN_USER("unknown_user", "unknown user", true),
    WRONG_PASSWORD("wrong_password", "wrong password", true),
    UNKNOWN_TOKEN("unknown_token", "unknown bearer token", true),
    /** The source failed too often lately ({@link AuthFailureLimiter}): refused unchecked. */
    RATE_LIMITED("rate_limited", "too many failed authentications from this source", false),
    /** Too many password checks queued already. */
    BUSY("busy", "too many authentications in progress", false);

    private final String label;
    private final String words;
    private final boolean countsAgainstSource;

    ProxyAuthFailure(String label, String words, boolean countsAgainstSource) {
        this.label = label;
        this.words = words;
        this.countsAgainstSource = countsAgainstSource;
    }

    /** The metric label. */
    String label() {
        return label;
    }

    /** The access log's words for it. */
    String words() {
        return words;
    }

    /** Whether it uses up one of the source's failures ({@link AuthFailureLimiter}): a guess that was wrong. */
    boolean countsAgainstSource() {
        return countsAgainstSource;
    }
}
