package io.tunnel.pki;

import com.beust.jcommander.Parameter;
import com.beust.jcommander.Parameters;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The flags of {@code pki-tool export}.
 */
@Parameters(commandNames = ExportCommand.NAME,
        commandDescription = "Write both trees as Kubernetes Secrets (YAML), without the CA keys.")
final class ExportCommand {

    static final String NAME = "export";
    /** The {@code --out} value that means standard output. */
    static final String STDOUT = "-";

    @Parameter(names = "--dir", required = true, description = "Base directory of the trees.")
    String dir;

    @Parameter(names = "--kubernetes",
            description = "Write Secrets: tunnel-TREE-NAME (kubernetes.io/tls: tls.crt, tls.key) for every "
                    + "certificate, tunnel-TREE-ca (Opaque: ca.crt, with ca-previous.crt during a CA rotation) for "
                    + "each CA.")
    boolean kubernetes;

    @Parameter(names = "--namespace", description = "Namespace of the Secrets (required).")
    String namespace;

    @Parameter(names = "--out", description = "File to write (mode 0600: it holds private keys), or - for stdout.")
    String out = STDOUT;

    @Parameter(names = "--force", description = "Replace the --out file if it exists.")
    boolean force;

    @Parameter(names = {"-h", "--help"}, help = true, description = "Show this help and exit.")
    boolean help;

    /** The request these flags make; throws {@link InvalidRequestException} naming a bad value. */
    ExportRequest toRequest() {
        if (!kubernetes) {
            throw new InvalidRequestException("export needs a format: --kubernetes");
        }
        if (namespace == null) {
            throw new InvalidRequestException("--kubernetes needs --namespace");
        }
        Optional<Path> file = STDOUT.equals(out) ? Optional.empty()
                : Optional.of(PkiMain.path("--out", out));
        return new ExportRequest(PkiMain.path("--dir", dir), namespace, file, force);
    }
}
