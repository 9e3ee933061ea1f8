package io.tunnel.server;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * The frontend on a Unix domain socket (Konnectivity's {@code --uds-name}): plaintext, access controlled by the
 * socket file's mode.
 *
 * @param path           where the socket file is made
 * @param mode           its permission bits, e.g. {@code 0600}: connecting needs write permission
 * @param deleteExisting whether a socket file left at {@code path} (by a server that died) is deleted first
 */
public record UdsConfig(Path path, int mode, boolean deleteExisting) {
    public static final int DEFAULT_MODE = 0600;
    /** {@code sun_path} of Linux holds 108 bytes, the last for the terminating NUL. */
    public static final int MAX_PATH_BYTES = 107;

    /** The permission bits of the low nine bits of {@code mode}. */
    public Set<PosixFilePermission> permissions() {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        // PosixFilePermission lists OWNER_READ (0400) first, OTHERS_EXECUTE (0001) last.
        PosixFilePermission[] all = PosixFilePermission.values();
        for (int i = 0; i < all.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                set.add(all[i]);
            }
        }
        return set;
    }

    /** The mode as {@code chmod} writes it: {@code 0600}. */
    public String modeText() {
        return modeText(mode);
    }

    static String modeText(int mode) {
        return String.format("%04o", mode);
    }
}
