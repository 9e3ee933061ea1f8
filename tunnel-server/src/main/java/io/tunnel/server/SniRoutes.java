package io.tunnel.server;

import io.netty.util.NetUtil;
import io.tunnel.core.protocol.AgentIdentifiers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server names the SNI frontend routes, each to the {@code HOST:PORT} an agent dials for it
 * ({@code --sni-route NAME=HOST:PORT}, {@code --sni-routes-file}); no other name is relayed. Names compare as TLS
 * clients send them, whatever their case and without a trailing dot; a name is a host name of letters, digits,
 * {@code -} and {@code _}, never an IP address (RFC 6066 §3 sends none) nor a wildcard. Immutable once built.
 *
 * <p>The file is text (UTF-8): one route a line, as the flag takes it; blank lines and lines starting with {@code #}
 * are ignored. A name may be routed once, by a flag or by a line.
 * <pre>
 * # server name          destination, as the agent dials it
 * private-api.internal=10.0.0.5:443
 * kubernetes.default.svc=kube-apiserver.private:443
 * </pre>
 */
public final class SniRoutes {
    /** The longest host name (RFC 1035 §2.3.4, in its text form). */
    static final int MAX_NAME_LENGTH = 253;
    /** The longest label of a host name (RFC 1035 §2.3.4). */
    static final int MAX_LABEL_LENGTH = 63;
    /** How the access log names a connection refused before its server name was known. */
    static final String NO_NAME = "sni:-";
    /** How the access log names a server name that is not a host name (never logged as sent). */
    static final String NOT_A_NAME = "sni:?";

    /**
     * One route.
     *
     * @param name        the server name, lower case, without a trailing dot
     * @param destination where the agent connects, and what routes the stream to an agent (its host)
     */
    record Route(String name, ConnectRequest destination) {
        /** The stream's target as the access log names it: {@code sni:NAME->HOST:PORT}. */
        String target() {
            return "sni:" + name + "->" + destination.authority();
        }
    }

    private final Map<String, Route> byName;

    private SniRoutes(Map<String, Route> byName) {
        this.byName = byName;
    }

    /**
     * The routes of the {@code --sni-route} values and of the lines of {@code file} (if not {@code null}).
     *
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException naming the route (and line) that is not valid, or the name routed twice
     */
    static SniRoutes of(List<String> flags, Path file) throws IOException {
        Map<String, Route> byName = new LinkedHashMap<>();
        for (String flag : flags) {
            add(byName, flag, "--sni-route " + flag);
        }
        if (file != null) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (!line.isEmpty() && !line.startsWith("#")) {
                    add(byName, line, file + " line " + (i + 1));
                }
            }
        }
        return new SniRoutes(Map.copyOf(byName));
    }

    private static void add(Map<String, Route> byName, String text, String where) {
        Route route;
        try {
            route = parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        if (byName.putIfAbsent(route.name(), route) != null) {
            throw new IllegalArgumentException(where + ": server name " + route.name() + " is routed twice");
        }
    }

    /**
     * Parses {@code NAME=HOST:PORT}.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    static Route parse(String text) {
        int eq = text.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("NAME=HOST:PORT expected");
        }
        String name = normalize(text.substring(0, eq).strip());
        if (NetUtil.isValidIpV4Address(name) || NetUtil.isValidIpV6Address(name)) {
            throw new IllegalArgumentException("'" + name + "' is an IP address; TLS clients send host names only");
        }
        if (!isHostName(name)) {
            throw new IllegalArgumentException("'" + name + "' is not a host name");
        }
        ConnectRequest destination = RequestTargets.parseAuthority(text.substring(eq + 1).strip());
        if (destination == null) {
            throw new IllegalArgumentException("destination is not HOST:PORT (an IPv6 address in brackets)");
        }
        return new Route(name, destination);
    }

    /** The route of the server name a client sent, or {@code null} if it has none. */
    Route find(String serverName) {
        return byName.get(normalize(serverName));
    }

    /**
     * The access log's name for a server name that has no route: {@code sni:} and the name, normalized, if it is a host
     * name; {@link #NOT_A_NAME} otherwise, so that no byte a client chose reaches the log unchecked.
     */
    static String logTarget(String serverName) {
        String name = normalize(serverName);
        return isHostName(name) ? "sni:" + name : NOT_A_NAME;
    }

    int size() {
        return byName.size();
    }

    Collection<Route> all() {
        return byName.values();
    }

    private static String normalize(String name) {
        return AgentIdentifiers.normalizeHost(name);
    }

    /** Labels of letters, digits, {@code -} and {@code _}, 1 to 63 long, separated by dots; 253 at most in all. */
    static boolean isHostName(String name) {
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            return false;
        }
        int label = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.') {
                if (label == 0) {
                    return false;
                }
                label = 0;
            } else if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
                if (++label > MAX_LABEL_LENGTH) {
                    return false;
                }
            } else {
                return false;
            }
        }
        return label > 0;
    }
}
