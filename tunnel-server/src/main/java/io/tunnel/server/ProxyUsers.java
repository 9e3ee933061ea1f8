package io.tunnel.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * The users of {@code --frontend-auth basic}: {@code --proxy-users-file}, one {@code user:hash} line per user as
 * {@code htpasswd -B} (or {@code pki-tool hash-password}) writes it. Only bcrypt hashes ({@code $2y$}, {@code $2b$},
 * {@code $2a$}) are accepted: never a password in plain text, nor the weak schemes htpasswd also knows (MD5
 * {@code $apr1$}, {@code {SHA}}, crypt). Blank lines and lines starting with {@code #} are skipped. A user name is 1 to
 * {@value ProxyIdentity#MAX_NAME} visible ASCII characters without {@code :}, quotes or backslashes (it appears in log
 * lines and metric labels).
 *
 * <p>Immutable; read once at start-up. {@link #toString()} counts users and shows no hash.
 */
public final class ProxyUsers {
    /** No users: nobody passes. */
    public static final ProxyUsers NONE = new ProxyUsers(Map.of(), null);

    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(\\d\\d)\\$[./A-Za-z0-9]{53}");
    private static final int MIN_COST = 4;
    private static final int MAX_COST = 31;
    private static final int SALT_BYTES = 16;

    private final Map<String, String> hashes;
    /** A hash of nothing anybody knows, at the cost of the first user's: what an unknown user's password is checked
     * against, so that an unknown user takes as long to refuse as a wrong password. */
    private final String decoy;

    private ProxyUsers(Map<String, String> hashes, String decoy) {
        this.hashes = hashes;
        this.decoy = decoy;
    }

    /** Reads {@code file}; throws {@link IllegalArgumentException} naming the line that is wrong. */
    public static ProxyUsers load(Path file) throws IOException {
        return parse(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    /** Parses the lines of a users file; throws {@link IllegalArgumentException} naming the line that is wrong. */
    static ProxyUsers parse(List<String> lines) {
        Map<String, String> hashes = new HashMap<>();
        int firstCost = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            String where = "line " + (i + 1);
            if (colon < 0) {
                throw new IllegalArgumentException(where + ": not 'user:hash'");
            }
            String user = line.substring(0, colon);
            String hash = line.substring(colon + 1);
            if (!isUserName(user)) {
                throw new IllegalArgumentException(where + ": a user name is 1 to " + ProxyIdentity.MAX_NAME
                        + " visible ASCII characters without ':', quotes or backslashes");
            }
            var bcrypt = BCRYPT.matcher(hash);
            if (!bcrypt.matches()) {
                throw new IllegalArgumentException(where + ": user " + user + ": not a bcrypt hash ($2y$..., as "
                        + "'htpasswd -B' or 'pki-tool hash-password' write it); plain, MD5, SHA-1 and crypt "
                        + "passwords are not accepted");
            }
            int cost = Integer.parseInt(bcrypt.group(1));
            if (cost < MIN_COST || cost > MAX_COST) {
                throw new IllegalArgumentException(where + ": user " + user + ": bcrypt cost " + cost
                        + " is not within " + MIN_COST + "-" + MAX_COST);
            }
            if (hashes.putIfAbsent(user, hash) != null) {
                throw new IllegalArgumentException(where + ": user " + user + " listed twice");
            }
            if (firstCost == 0) {
                firstCost = cost;
            }
        }
        if (hashes.isEmpty()) {
            throw new IllegalArgumentException("lists no user");
        }
        return new ProxyUsers(Map.copyOf(hashes), decoy(firstCost));
    }

    private static String decoy(int cost) {
        byte[] salt = new byte[SALT_BYTES];
        byte[] password = new byte[SALT_BYTES];
        SecureRandom random = new SecureRandom();
        random.nextBytes(salt);
        random.nextBytes(password);
        return OpenBSDBCrypt.generate("2y", password, salt, cost);
    }

    /** Whether {@code name} can be a user (or token) name: 1 to 255 name characters, no colon. */
    static boolean isUserName(String name) {
        if (name.isEmpty() || name.length() > ProxyIdentity.MAX_NAME) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == ':' || !ProxyIdentity.isNameChar(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code password} (the bytes the client sent, UTF-8 as RFC 7617 asks) is {@code user}'s. Slow on purpose
     * (bcrypt): never call it on an event loop. An unknown user costs as much as a known one, and is refused.
     */
    boolean verify(String user, byte[] password) {
        String hash = hashes.get(user);
        boolean matches = OpenBSDBCrypt.checkPassword(hash != null ? hash : decoy, password);
        return hash != null && matches;
    }

    /** Whether {@code user} is listed. */
    boolean contains(String user) {
        return hashes.containsKey(user);
    }

    public int size() {
        return hashes.size();
    }

    @Override
    public String toString() {
        return "ProxyUsers[" + hashes.size() + " user(s)]";
    }
}
