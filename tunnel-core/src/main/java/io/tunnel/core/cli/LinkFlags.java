package io.tunnel.core.cli;

import com.beust.jcommander.Parameter;
import io.tunnel.core.protocol.ProtocolConstants;
import io.tunnel.core.protocol.TunnelSettings;
import io.tunnel.core.tls.TlsProvider;
import java.time.Duration;
import java.util.List;

/**
 * The flags both ends of an agent link take, with the same names and defaults on the server and the agent:
 * keep-alive, the initial stream window and the link's TLS implementation. Each program embeds it with
 * {@code @ParametersDelegate}.
 */
@FlagGroup("Agent link (the same on server and agent)")
public final class LinkFlags {
    @Parameter(names = "--keepalive-time", converter = DurationConverter.class,
            description = "Ping the link after this long without sending")
    public Duration keepalive = Duration.ofMillis(TunnelSettings.DEFAULT_KEEPALIVE_MILLIS);

    @Parameter(names = "--keepalive-timeout", converter = DurationConverter.class,
            description = "Drop the link after this long without receiving anything")
    public Duration keepaliveTimeout = Duration.ofSeconds(30);

    @Parameter(names = "--initial-window", description = "Initial per-stream receive window in bytes")
    public int initialWindow = ProtocolConstants.DEFAULT_INITIAL_WINDOW;

    @Parameter(names = "--tls-provider", description = "TLS implementation: AUTO (OpenSSL if available), OPENSSL, JDK")
    public TlsProvider tlsProvider = TlsProvider.AUTO;

    /** Adds what is wrong with these flags to {@code problems}. */
    public void check(List<String> problems) {
        if (initialWindow < ProtocolConstants.MIN_INITIAL_WINDOW) {
            problems.add("--initial-window must be at least " + ProtocolConstants.MIN_INITIAL_WINDOW);
        }
        if (keepaliveTimeout.compareTo(keepalive) <= 0) {
            problems.add("--keepalive-timeout must be longer than --keepalive-time");
        }
    }

    /** The settings to announce: the defaults with this window and keep-alive, and {@code maxStreams}. */
    public TunnelSettings settings(int maxStreams) {
        return TunnelSettings.DEFAULT
                .withInitialWindow(initialWindow)
                .withKeepaliveMillis((int) keepalive.toMillis())
                .withMaxStreams(maxStreams);
    }

    /** Adds a problem if {@code port} is outside {@code [min, 65535]}. */
    public static void checkPort(List<String> problems, String flag, int port, int min) {
        if (port < min || port > 65535) {
            problems.add(flag + " must be in [" + min + ", 65535]");
        }
    }
}
