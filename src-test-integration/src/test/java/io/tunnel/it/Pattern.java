package io.tunnel.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Deterministic test payloads and their checksums, so transfers are compared byte for byte. */
public final class Pattern {
    private static final int BLOCK = 64 * 1024;

    private Pattern() {
    }

    /** Block {@code i} of the pattern: a xorshift stream seeded by the block index. */
    static byte[] block(long index) {
        byte[] block = new byte[BLOCK];
        long x = index * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < BLOCK; i += 8) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            for (int j = 0; j < 8; j++) {
                block[i + j] = (byte) (x >>> (j * 8));
            }
        }
        return block;
    }

    public static void write(OutputStream out, long n) throws IOException {
        long written = 0;
        long index = 0;
        while (written < n) {
            byte[] block = block(index++);
            int len = (int) Math.min(block.length, n - written);
            out.write(block, 0, len);
            written += len;
        }
        out.flush();
    }

    /** The SHA-256 of the first {@code n} pattern bytes. */
    public static String sha256(long n) {
        MessageDigest digest = sha256();
        long done = 0;
        long index = 0;
        while (done < n) {
            byte[] block = block(index++);
            int len = (int) Math.min(block.length, n - done);
            digest.update(block, 0, len);
            done += len;
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Reads {@code in} to its end: the byte count and SHA-256. */
    public static Digest digest(InputStream in) throws IOException {
        MessageDigest digest = sha256();
        byte[] buf = new byte[BLOCK];
        long count = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            digest.update(buf, 0, n);
            count += n;
        }
        return new Digest(count, HexFormat.of().formatHex(digest.digest()));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A byte count and SHA-256 in hex. */
    public record Digest(long count, String sha256) {
        public static Digest of(long n) {
            return new Digest(n, Pattern.sha256(n));
        }

        public static Digest parse(String line) {
            String[] parts = line.trim().split(" ");
            return new Digest(Long.parseLong(parts[0]), parts[1]);
        }

        @Override
        public String toString() {
            return count + " " + sha256;
        }
    }
}
