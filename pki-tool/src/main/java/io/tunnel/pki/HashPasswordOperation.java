package io.tunnel.pki;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Carries out {@code pki-tool hash-password}: reads a password and prints {@code user:$2y$<cost>$...}, the line
 * tunnel-server's {@code --proxy-users-file} takes (as {@code htpasswd -B} writes it). The password is UTF-8, as RFC
 * 7617 has clients send it; bcrypt reads at most {@value #MAX_PASSWORD_BYTES} bytes of it, so a longer one is refused
 * rather than cut silently. The password's bytes are wiped once hashed.
 */
public final class HashPasswordOperation {
    /** The most of a password bcrypt uses. */
    static final int MAX_PASSWORD_BYTES = 72;
    private static final int SALT_BYTES = 16;

    private final SecureRandom random;

    public HashPasswordOperation(SecureRandom random) {
        this.random = random;
    }

    /**
     * Hashes the password read from {@code console} if there is one, else from the first line of {@code in}, and
     * prints the users-file line to {@code out}.
     *
     * @throws PkiException if no password could be read, or it is empty, too long, or typed differently twice
     */
    void run(HashPasswordRequest request, Console console, InputStream in, PrintStream out) throws PkiException {
        byte[] password = console != null ? fromConsole(console) : firstLine(in);
        try {
            if (password.length == 0) {
                throw new PkiException("the password is empty");
            }
            if (password.length > MAX_PASSWORD_BYTES) {
                throw new PkiException("the password is longer than " + MAX_PASSWORD_BYTES
                        + " bytes, of which bcrypt would use only the first " + MAX_PASSWORD_BYTES);
            }
            out.println(request.user() + ":" + hash(password, request.cost()));
        } finally {
            Arrays.fill(password, (byte) 0);
        }
    }

    /** The bcrypt hash of {@code password} with a new salt, version {@code 2y}. */
    String hash(byte[] password, int cost) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        return OpenBSDBCrypt.generate("2y", password, salt, cost);
    }

    private static byte[] fromConsole(Console console) throws PkiException {
        char[] first = console.readPassword("Password: ");
        char[] again = console.readPassword("Again: ");
        try {
            if (first == null || again == null) {
                throw new PkiException("no password read from the terminal");
            }
            if (!Arrays.equals(first, again)) {
                throw new PkiException("the passwords typed differ");
            }
            return utf8(first);
        } finally {
            wipe(first);
            wipe(again);
        }
    }

    /** The bytes of {@code in} up to its first line end ({@code \n} or {@code \r\n}), or to its end. */
    private static byte[] firstLine(InputStream in) throws PkiException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                line.write(b);
            }
        } catch (IOException e) {
            throw new PkiException("cannot read the password from stdin: " + e.getMessage(), e);
        }
        byte[] bytes = line.toByteArray();
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        byte[] password = Arrays.copyOf(bytes, length);
        Arrays.fill(bytes, (byte) 0);
        return password;
    }

    private static byte[] utf8(char[] chars) {
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        Arrays.fill(encoded.array(), (byte) 0);
        return bytes;
    }

    private static void wipe(char[] chars) {
        if (chars != null) {
            Arrays.fill(chars, '\0');
        }
    }
}
