package io.tunnel.pki;

import com.beust.jcommander.Parameter;
import com.beust.jcommander.Parameters;
import java.util.ArrayList;
import java.util.List;

/**
 * The flags of {@code pki-tool issue}.
 */
@Parameters(commandNames = IssueCommand.NAME,
        commandDescription = "Add a certificate to an existing tree, signed by its CA.")
final class IssueCommand {

    static final String NAME = "issue";

    @Parameter(names = "--dir", required = true, description = "Base directory of the trees.")
    String dir;

    @Parameter(names = "--tree", required = true, description = "Tree whose CA signs: master or agent.")
    String tree;

    @Parameter(names = "--kind", required = true,
            description = "server (either tree), client (master tree) or agent (agent tree).")
    String kind;

    @Parameter(names = "--name", required = true,
            description = "File name; the CN of a client, the agent id of an agent.")
    String name;

    @Parameter(names = "--hosts",
            description = "Comma-separated DNS names and IP addresses of a server (required for --kind server).")
    List<String> hosts = new ArrayList<>();

    @Parameter(names = "--key-type", description = "Key type: ec-p256 or rsa-3072.")
    String keyType = KeyType.EC_P256.flagName();

    @Parameter(names = "--days", description = "Validity in days.")
    int days = InitRequest.DEFAULT_LEAF_DAYS;

    @Parameter(names = "--force", description = "Replace existing files.")
    boolean force;

    @Parameter(names = {"-h", "--help"}, help = true, description = "Show this help and exit.")
    boolean help;

    /** The request these flags make; throws {@link InvalidRequestException} naming a bad value. */
    IssueRequest toRequest() {
        return new IssueRequest(PkiMain.path("--dir", dir), Tree.fromFlag(tree), CertificateKind.fromFlag(kind),
                name, hosts, KeyType.fromFlag(keyType), days, force);
    }
}
