package io.tunnel.pki;

/**
 * What {@code pki-tool hash-password} hashes for.
 *
 * @param user the user name, as tunnel-server's users file takes it
 * @param cost the bcrypt cost (log2 of its rounds)
 */
record HashPasswordRequest(String user, int cost) {
    /** The longest user name tunnel-server accepts. */
    static final int MAX_USER = 255;
    /** The cheapest cost offered: OWASP's minimum for bcrypt. */
    static final int MIN_COST = 10;
    /** The dearest cost bcrypt knows. */
    static final int MAX_COST = 31;
    /** OWASP's minimum: about 0.1 s a check on a current core. */
    static final int DEFAULT_COST = 10;

    HashPasswordRequest {
        if (user.isEmpty() || user.length() > MAX_USER || !user.chars().allMatch(HashPasswordRequest::isUserChar)) {
            throw new InvalidRequestException("--user must be 1 to " + MAX_USER
                    + " visible ASCII characters without ':', quotes or backslashes");
        }
        if (cost < MIN_COST || cost > MAX_COST) {
            throw new InvalidRequestException("--cost must be within " + MIN_COST + "-" + MAX_COST);
        }
    }

    private static boolean isUserChar(int c) {
        return c > 0x20 && c < 0x7F && c != ':' && c != '"' && c != '\\';
    }
}
