package io.tunnel.server;

import com.beust.jcommander.Parameter;
import io.tunnel.core.cli.FlagGroup;
import io.tunnel.core.cli.PathConverter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/** The frontend on a Unix domain socket ({@link UdsConfig}), with Konnectivity's flag names. */
@FlagGroup("Unix-socket frontend")
final class UdsFlags {
    /** Permission bits in octal, as chmod takes them; no set-id or sticky bits. */
    private static final Pattern MODE = Pattern.compile("0?[0-7]{3}");

    @Parameter(names = "--uds-name", converter = PathConverter.class, description = "Also serve the CONNECT frontend, "
            + "plaintext, on a Unix domain socket made at this path (kube-apiserver's egress selector, transport.uds); "
            + "alone, without --server-cert or --allow-plaintext-frontend, it is the only frontend")
    Path path;

    @Parameter(names = "--uds-mode", description = "Permission bits of the socket file in octal: who may connect "
            + "(connecting needs write permission)")
    String mode = UdsConfig.modeText(UdsConfig.DEFAULT_MODE);

    @Parameter(names = "--delete-existing-uds-file", description = "Delete a socket file left at --uds-name (by a "
            + "server that died) instead of refusing to start; a file that is not a socket is never deleted")
    boolean deleteExisting;

    boolean enabled() {
        return path != null;
    }

    void check(List<String> problems) {
        if (!MODE.matcher(mode).matches()) {
            problems.add("--uds-mode must be octal permission bits like 0600 or 660, not '" + mode + "'");
        }
        if (path != null && path.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8).length
                > UdsConfig.MAX_PATH_BYTES) {
            problems.add("--uds-name is too long for a Unix socket (at most " + UdsConfig.MAX_PATH_BYTES
                    + " bytes as an absolute path)");
        }
    }

    /** The config, or {@code null} without {@code --uds-name}. */
    UdsConfig toConfig() {
        return path == null ? null : new UdsConfig(path.toAbsolutePath(), Integer.parseInt(mode, 8), deleteExisting);
    }
}
