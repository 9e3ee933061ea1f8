package io.tunnel.pki;

import com.beust.jcommander.Parameter;
import com.beust.jcommander.Parameters;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The flags of {@code pki-tool renew}.
 */
@Parameters(commandNames = RenewCommand.NAME,
        commandDescription = "Re-issue a certificate or CA of a tree: new validity, same names and key.")
final class RenewCommand {

    static final String NAME = "renew";
    /** The {@code --kind} that names the tree's CA. */
    static final String CA_KIND = "ca";

    @Parameter(names = "--dir", required = true, description = "Base directory of the trees.")
    String dir;

    @Parameter(names = "--tree", required = true, description = "Tree of the certificate: master or agent.")
    String tree;

    @Parameter(names = "--kind", required = true,
            description = "What the certificate is: server, client, agent, or ca for the tree's CA. A CA renewed "
                    + "with its key still verifies what it issued; with --new-key it is a new CA, the old one is "
                    + "kept as ca-previous.crt (export trusts both) until you delete it after renewing the rest.")
    String kind;

    @Parameter(names = "--name", description = "Name of the certificate (its file name); none for --kind ca.")
    String name;

    @Parameter(names = "--days",
            description = "Validity in days from now. Default: as long as the current certificate, a leaf at most "
                    + "until its CA expires.")
    Integer days;

    @Parameter(names = "--new-key", description = "Make a new key of the same type instead of keeping the key.")
    boolean newKey;

    @Parameter(names = {"-h", "--help"}, help = true, description = "Show this help and exit.")
    boolean help;

    /** The request these flags make; throws {@link InvalidRequestException} naming a bad value. */
    RenewRequest toRequest() {
        Optional<CertificateKind> certificateKind = CA_KIND.equals(kind) ? Optional.empty()
                : Optional.of(CertificateKind.fromFlag(kind, CA_KIND));
        return new RenewRequest(PkiMain.path("--dir", dir), Tree.fromFlag(tree), certificateKind, name,
                days == null ? OptionalInt.empty() : OptionalInt.of(days), newKey);
    }
}
