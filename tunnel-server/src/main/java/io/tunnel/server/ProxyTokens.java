package io.tunnel.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * The bearer tokens of {@code --frontend-auth bearer}: {@code --proxy-tokens-file}, one token a line, as {@code
 * name:token} or the token alone (then named {@code token-<line number>}); blank lines and lines starting with
 * {@code #} are skipped. A token is the {@code b64token} of RFC 6750 (letters, digits, {@code -._~+/}, then
 * {@code =} padding), at least {@value #MIN_TOKEN} characters (say {@code openssl rand -hex 32}); a name follows the
 * rules of a user name ({@link ProxyUsers}).
 *
 * <p>Only a SHA-256 digest of each token is kept. A presented token is digested and compared with every digest with
 * {@link MessageDigest#isEqual} (constant time), all of them, whichever matches. Immutable; {@link #toString()} shows
 * no token.
 */
public final class ProxyTokens {
    /** No tokens: nobody passes. */
    public static final ProxyTokens NONE = new ProxyTokens(List.of());
    /** The shortest token accepted in the file. */
    public static final int MIN_TOKEN = 16;

    private record Entry(String name, byte[] digest) {
    }

    private final List<Entry> entries;

    private ProxyTokens(List<Entry> entries) {
        this.entries = entries;
    }

    /** Reads {@code file}; throws {@link IllegalArgumentException} naming the line that is wrong. */
    public static ProxyTokens load(Path file) throws IOException {
        return parse(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    /** Parses the lines of a tokens file; throws {@link IllegalArgumentException} naming the line that is wrong. */
    static ProxyTokens parse(List<String> lines) {
        List<Entry> entries = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = "line " + (i + 1);
            int colon = line.indexOf(':');
            String name = colon < 0 ? "token-" + (i + 1) : line.substring(0, colon);
            String token = line.substring(colon + 1);
            if (!ProxyUsers.isUserName(name)) {
                throw new IllegalArgumentException(where + ": a token name is 1 to " + ProxyIdentity.MAX_NAME
                        + " visible ASCII characters without ':', quotes or backslashes");
            }
            if (!isToken(token) || token.length() < MIN_TOKEN) {
                throw new IllegalArgumentException(where + ": token " + name + " is not at least " + MIN_TOKEN
                        + " characters of letters, digits and -._~+/ (RFC 6750)");
            }
            byte[] digest = digest(token);
            for (Entry entry : entries) {
                if (MessageDigest.isEqual(entry.digest(), digest)) {
                    throw new IllegalArgumentException(where + ": token " + name + " is the same as " + entry.name());
                }
            }
            if (!names.add(name)) {
                throw new IllegalArgumentException(where + ": token name " + name + " listed twice");
            }
            entries.add(new Entry(name, digest));
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("lists no token");
        }
        return new ProxyTokens(List.copyOf(entries));
    }

    /**
     * The name of {@code token}, or {@code null} if it is none of the file's. Takes the same time whichever token
     * matches, if any: every digest is compared in full.
     */
    String nameOf(String token) {
        return nameOf(token, MessageDigest::isEqual);
    }

    /** {@link #nameOf(String)} with digests compared by {@code equal}: a test's view of the comparisons made. */
    String nameOf(String token, BiPredicate<byte[], byte[]> equal) {
        byte[] digest = digest(token);
        String found = null;
        for (Entry entry : entries) {
            if (equal.test(entry.digest(), digest) && found == null) {
                found = entry.name();
            }
        }
        return found;
    }

    /** Whether {@code s} is an RFC 6750 {@code b64token}: {@code 1*( ALPHA / DIGIT / "-._~+/" ) *"="}. */
    static boolean isToken(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '=') {
            end--;
        }
        if (end == 0) {
            return false;
        }
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            boolean alnum = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
            if (!alnum && "-._~+/".indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    public int size() {
        return entries.size();
    }

    @Override
    public String toString() {
        return "ProxyTokens[" + entries.size() + " token(s)]";
    }
}
