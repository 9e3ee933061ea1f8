package io.tunnel.server;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tunnel.core.tls.PeerIdentity;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Decides who sent a CONNECT before an agent is chosen for it ({@link #authenticate}): the subject of the client
 * certificate when the TLS frontend verified one; otherwise, when {@code --frontend-auth} asks for credentials, the
 * user of RFC 7617 {@code Basic} credentials ({@link ProxyUsers}) or the name of an RFC 6750 {@code Bearer} token
 * ({@link ProxyTokens}); otherwise nobody in particular ({@link ProxyIdentity#ANONYMOUS}). Missing, malformed or wrong
 * credentials get the configured {@code 407} challenge, whatever the cause; the access log and {@code /metrics} say
 * which ({@link ProxyAuthFailure}).
 *
 * <p>A password check is bcrypt, slow on purpose: it runs on a small pool of its own ({@link #VERIFY_THREADS} threads,
 * at most {@value #MAX_QUEUED_CHECKS} waiting, beyond that {@code 503}), never on an event loop, and its result comes
 * back on the connection's loop. A password that passed is remembered for {@link #REMEMBER_NANOS} (keyed by an HMAC,
 * under a key of this process, of the credentials: neither stored as sent), so a client's every CONNECT does not cost
 * a bcrypt. A bearer token is checked on the loop (a digest, compared in constant time). Failures count against their
 * source ({@link AuthFailureLimiter}); a source with none left is answered {@code 429} unchecked.
 */
final class ProxyAuthenticator implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(ProxyAuthenticator.class);
    /** Password checks running at once: half the cores, so that the event loops keep the rest. */
    static final int VERIFY_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    /** Password checks waiting for a thread; beyond, a CONNECT is answered {@code 503} at once. */
    static final int MAX_QUEUED_CHECKS = 256;
    /** How long a password that passed is taken without a new check. */
    static final long REMEMBER_NANOS = TimeUnit.MINUTES.toNanos(5);
    /** Passwords remembered at most; the memory starts over when full. */
    static final int MAX_REMEMBERED = 4096;
    private static final String HMAC = "HmacSHA256";
    private static final int HMAC_KEY_BYTES = 32;

    private final ProxyAuthConfig config;
    private final ServerMetrics metrics;
    private final ExecutorService checks;
    private final LongSupplier nanoTime;
    private final AuthFailureLimiter limiter;
    /** HMAC of credentials that passed → until when (nanoTime) they pass unchecked. */
    private final Map<ByteBuffer, Long> remembered = new ConcurrentHashMap<>();
    private final ThreadLocal<Mac> hmac;

    /** An authenticator with its own pool of password checks (when {@code basic} needs one); close it to stop it. */
    ProxyAuthenticator(ProxyAuthConfig config, ServerMetrics metrics) {
        this(config, metrics, config.basic() ? newCheckPool() : null, System::nanoTime);
    }

    /** @param checks where password checks run; the authenticator shuts it down on {@link #close()} */
    ProxyAuthenticator(ProxyAuthConfig config, ServerMetrics metrics, ExecutorService checks, LongSupplier nanoTime) {
        this.config = config;
        this.metrics = metrics;
        this.checks = checks;
        this.nanoTime = nanoTime;
        this.limiter = new AuthFailureLimiter(config.maxFailures(), nanoTime);
        byte[] key = new byte[HMAC_KEY_BYTES];
        new SecureRandom().nextBytes(key);
        SecretKeySpec spec = new SecretKeySpec(key, HMAC);
        this.hmac = ThreadLocal.withInitial(() -> {
            try {
                Mac mac = Mac.getInstance(HMAC);
                mac.init(spec);
                return mac;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(HMAC + " is missing from the JDK", e);
            }
        });
    }

    private static ExecutorService newCheckPool() {
        return new ThreadPoolExecutor(VERIFY_THREADS, VERIFY_THREADS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(MAX_QUEUED_CHECKS), new DefaultThreadFactory("proxy-auth", true),
                new ThreadPoolExecutor.AbortPolicy());
    }

    /** Whether a TLS frontend requires a client certificate ({@code --server-client-auth require}). */
    boolean certificateRequired() {
        return config.certificateRequired();
    }

    /**
     * Says at start-up how clients authenticate, and warns if some do not have to.
     *
     * @param tcpFrontend whether the frontend listens on TCP (the Unix socket's clients are vetted by its file mode)
     * @param tlsFrontend whether that frontend is TLS
     */
    void logMode(boolean tcpFrontend, boolean tlsFrontend) {
        if (config.credentialsRequired()) {
            LOG.info("clients without a certificate{} authenticate with {}", tlsFrontend ? " (--server-client-auth "
                    + config.clientCertificates() + ")" : "", config.basic() && config.bearer()
                    ? "Basic or Bearer (" + config.users() + ", " + config.tokens() + ")"
                    : config.basic() ? "Basic (" + config.users() + ")" : "Bearer (" + config.tokens() + ")");
        } else if (!tcpFrontend) {
            return;
        } else if (!tlsFrontend) {
            LOG.warn("the frontend accepts plaintext CONNECT without client authentication "
                    + "(--allow-plaintext-frontend): expose it only inside a trusted network");
        } else if (!config.certificateRequired()) {
            LOG.warn("the TLS frontend accepts CONNECT from clients without a certificate and without credentials "
                    + "(--server-client-auth {} and no --frontend-auth): expose it only inside a trusted network",
                    config.clientCertificates());
        }
    }

    /**
     * Who sent {@code request} on {@code channel}, or the refusal to answer. Call it on the channel's event loop; the
     * future completes there (at once, unless a password is checked).
     */
    Future<ProxyAuthOutcome> authenticate(Channel channel, ConnectRequest request) {
        EventLoop loop = channel.eventLoop();
        ProxyIdentity certified = certificateIdentity(channel);
        if (certified != null) {
            return loop.newSucceededFuture(accepted(certified));
        }
        if (!config.credentialsRequired()) {
            return loop.newSucceededFuture(ProxyAuthOutcome.accepted(ProxyIdentity.ANONYMOUS));
        }
        Object source = AuthFailureLimiter.sourceOf(channel.remoteAddress());
        if (limiter.isLimited(source)) {
            return loop.newSucceededFuture(refused(source, ProxyAuthFailure.RATE_LIMITED, null));
        }
        String header = request.proxyAuthorization();
        if (header == null) {
            return loop.newSucceededFuture(refused(source, ProxyAuthFailure.MISSING, null));
        }
        int space = header.indexOf(' ');
        if (space <= 0) {
            return loop.newSucceededFuture(refused(source, ProxyAuthFailure.MALFORMED, null));
        }
        String scheme = header.substring(0, space);
        String credentials = header.substring(space + 1).stripLeading();
        if (config.basic() && scheme.equalsIgnoreCase("Basic")) {
            return basic(loop, source, credentials);
        }
        if (config.bearer() && scheme.equalsIgnoreCase("Bearer")) {
            return loop.newSucceededFuture(bearer(source, credentials));
        }
        return loop.newSucceededFuture(refused(source, ProxyAuthFailure.SCHEME, null));
    }

    /** The subject of the client certificate the TLS frontend verified, or {@code null} if none was presented. */
    static ProxyIdentity certificateIdentity(Channel channel) {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return null;
        }
        try {
            return ProxyIdentity.of(PeerIdentity.peerCertificate(ssl.engine().getSession()));
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    private Future<ProxyAuthOutcome> basic(EventLoop loop, Object source, String credentials) {
        byte[] userPass;
        try {
            userPass = Base64.getDecoder().decode(credentials);
        } catch (IllegalArgumentException e) {
            return loop.newSucceededFuture(refused(source, ProxyAuthFailure.MALFORMED, null));
        }
        int colon = indexOf(userPass, (byte) ':');
        String user = colon < 0 ? null : utf8(userPass, colon);
        if (user == null) {
            Arrays.fill(userPass, (byte) 0);
            return loop.newSucceededFuture(refused(source, ProxyAuthFailure.MALFORMED, null));
        }
        byte[] password = Arrays.copyOfRange(userPass, colon + 1, userPass.length);
        ByteBuffer key = ByteBuffer.wrap(hmac.get().doFinal(userPass));
        Arrays.fill(userPass, (byte) 0);
        Long until = remembered.get(key);
        if (until != null) {
            if (until - nanoTime.getAsLong() > 0) {
                Arrays.fill(password, (byte) 0);
                return loop.newSucceededFuture(accepted(new ProxyIdentity(ProxyIdentity.BASIC, user)));
            }
            remembered.remove(key, until);
        }
        Promise<ProxyAuthOutcome> promise = loop.newPromise();
        try {
            checks.execute(() -> promise.setSuccess(check(source, user, password, key)));
        } catch (RejectedExecutionException e) {
            Arrays.fill(password, (byte) 0);
            return loop.newSucceededFuture(refused(source, ProxyAuthFailure.BUSY, null));
        }
        return promise;
    }

    /** Checks a password, on the pool of checks. */
    private ProxyAuthOutcome check(Object source, String user, byte[] password, ByteBuffer key) {
        try {
            if (config.users().verify(user, password)) {
                if (remembered.size() >= MAX_REMEMBERED) {
                    remembered.clear();
                }
                remembered.put(key, nanoTime.getAsLong() + REMEMBER_NANOS);
                return accepted(new ProxyIdentity(ProxyIdentity.BASIC, user));
            }
            return config.users().contains(user)
                    ? refused(source, ProxyAuthFailure.WRONG_PASSWORD, "user " + user)
                    : refused(source, ProxyAuthFailure.UNKNOWN_USER, null);
        } catch (RuntimeException e) {
            LOG.warn("checking the password of a proxy user failed: {}", e.toString());
            return refused(source, ProxyAuthFailure.WRONG_PASSWORD, null);
        } finally {
            Arrays.fill(password, (byte) 0);
        }
    }

    private ProxyAuthOutcome bearer(Object source, String token) {
        if (!ProxyTokens.isToken(token)) {
            return refused(source, ProxyAuthFailure.MALFORMED, null);
        }
        String name = config.tokens().nameOf(token);
        return name == null ? refused(source, ProxyAuthFailure.UNKNOWN_TOKEN, null)
                : accepted(new ProxyIdentity(ProxyIdentity.BEARER, name));
    }

    private ProxyAuthOutcome accepted(ProxyIdentity identity) {
        metrics.authenticated(identity);
        return ProxyAuthOutcome.accepted(identity);
    }

    /** @param detail what the access log may add to the failure's words (a known user's name), or {@code null} */
    private ProxyAuthOutcome refused(Object source, ProxyAuthFailure failure, String detail) {
        metrics.proxyAuthFailed(failure);
        if (failure.countsAgainstSource()) {
            limiter.failed(source);
        }
        ProxyResponse answer = switch (failure) {
            case BUSY -> ProxyResponse.AUTH_BUSY;
            case RATE_LIMITED -> ProxyResponse.TOO_MANY_AUTH_FAILURES;
            default -> config.challenge();
        };
        return ProxyAuthOutcome.refused(answer, detail == null ? failure.words() : failure.words() + " for " + detail);
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** The first {@code length} bytes as strict UTF-8, or {@code null} if they are not. */
    private static String utf8(byte[] bytes, int length) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, length)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    @Override
    public void close() {
        if (checks != null) {
            checks.shutdownNow();
        }
    }
}
