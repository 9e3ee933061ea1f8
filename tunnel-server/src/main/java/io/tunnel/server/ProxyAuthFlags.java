package io.tunnel.server;

import com.beust.jcommander.Parameter;
import io.tunnel.core.cli.FlagGroup;
import io.tunnel.core.cli.PathConverter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** How frontend clients authenticate: client certificates on TLS, proxy credentials for clients without one. */
@FlagGroup("Proxy authentication")
final class ProxyAuthFlags {
    @Parameter(names = "--server-client-auth", description = "Client certificates on the TLS frontend: require "
            + "(mutual TLS), optional (a client without one authenticates with --frontend-auth), or none (never "
            + "asked for)")
    ProxyAuthConfig.ClientCertificates clientCertificates = ProxyAuthConfig.ClientCertificates.REQUIRE;

    @Parameter(names = "--frontend-auth", description = "Proxy-Authorization a client without a certificate must "
            + "send: none, basic (users of --proxy-users-file), bearer (tokens of --proxy-tokens-file), or "
            + "basic,bearer. Missing or wrong credentials are answered 407")
    String schemes = "none";

    @Parameter(names = "--proxy-users-file", converter = PathConverter.class, description = "Users of "
            + "--frontend-auth basic: lines 'user:bcrypt-hash', as 'htpasswd -B' or 'pki-tool hash-password' write "
            + "them")
    Path usersFile;

    @Parameter(names = "--proxy-tokens-file", converter = PathConverter.class, description = "Tokens of "
            + "--frontend-auth bearer: lines 'name:token' (or the token alone), # comments")
    Path tokensFile;

    @Parameter(names = "--proxy-auth-max-failures", description = "Failed authentications a source address (IPv6: its "
            + "/64) may make at once and per minute; beyond, its CONNECTs are answered 429 unchecked. 0: no limit")
    int maxFailures = ProxyAuthConfig.DEFAULT_MAX_FAILURES;

    private ProxyUsers users;
    private ProxyTokens tokens;

    private boolean basic() {
        return schemeList().contains("basic");
    }

    private boolean bearer() {
        return schemeList().contains("bearer");
    }

    private List<String> schemeList() {
        return List.of(schemes.toLowerCase(Locale.ROOT).replace(" ", "").split(","));
    }

    /**
     * Adds what is wrong with these flags. A TLS frontend that does not require certificates must ask for credentials
     * (no open proxy by accident); one that requires them asks none, unless the Unix socket's clients are to.
     *
     * @param tlsFrontend whether the TCP frontend is TLS
     * @param udsFrontend whether there is a frontend on a Unix socket too
     */
    void check(List<String> problems, boolean tlsFrontend, boolean udsFrontend) {
        List<String> listed = schemeList();
        boolean known = listed.equals(List.of("none")) || !listed.isEmpty() && listed.stream().distinct().count()
                == listed.size() && List.of("basic", "bearer").containsAll(listed);
        if (!known) {
            problems.add("--frontend-auth: '" + schemes + "' is not none, basic, bearer or basic,bearer");
            return;
        }
        if (!tlsFrontend && clientCertificates != ProxyAuthConfig.ClientCertificates.REQUIRE) {
            problems.add("--server-client-auth applies to a TLS frontend (--server-cert ...)");
        }
        boolean credentials = basic() || bearer();
        if (tlsFrontend && clientCertificates != ProxyAuthConfig.ClientCertificates.REQUIRE && !credentials) {
            problems.add("--server-client-auth " + clientCertificates + " needs --frontend-auth basic or bearer: "
                    + "clients without a certificate would use the proxy unauthenticated");
        }
        if (tlsFrontend && !udsFrontend && clientCertificates == ProxyAuthConfig.ClientCertificates.REQUIRE
                && credentials) {
            problems.add("--frontend-auth needs --server-client-auth optional or none on a TLS frontend: with "
                    + "require every client has a certificate");
        }
        if (basic() != (usersFile != null)) {
            problems.add(basic() ? "--frontend-auth basic needs --proxy-users-file"
                    : "--proxy-users-file needs --frontend-auth basic");
        }
        if (bearer() != (tokensFile != null)) {
            problems.add(bearer() ? "--frontend-auth bearer needs --proxy-tokens-file"
                    : "--proxy-tokens-file needs --frontend-auth bearer");
        }
        if (maxFailures < 0) {
            problems.add("--proxy-auth-max-failures must not be negative");
        }
        try {
            users();
        } catch (IllegalArgumentException e) {
            problems.add("--proxy-users-file: " + e.getMessage());
        }
        try {
            tokens();
        } catch (IllegalArgumentException e) {
            problems.add("--proxy-tokens-file: " + e.getMessage());
        }
    }

    /** The users file, read once; throws with the reason if it cannot be read or parsed. */
    private ProxyUsers users() {
        if (users == null) {
            users = read(usersFile, ProxyUsers.NONE, ProxyUsers::load);
        }
        return users;
    }

    /** The tokens file, read once; throws with the reason if it cannot be read or parsed. */
    private ProxyTokens tokens() {
        if (tokens == null) {
            tokens = read(tokensFile, ProxyTokens.NONE, ProxyTokens::load);
        }
        return tokens;
    }

    /** Reads a secrets file. */
    @FunctionalInterface
    private interface Reader<T> {
        T read(Path file) throws IOException;
    }

    private static <T> T read(Path file, T none, Reader<T> reader) {
        if (file == null) {
            return none;
        }
        try {
            return reader.read(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + " " + e.getMessage(), e);
        }
    }

    ProxyAuthConfig toConfig() {
        return new ProxyAuthConfig(clientCertificates, basic(), bearer(), users(), tokens(), maxFailures);
    }
}
