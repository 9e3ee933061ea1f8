package io.tunnel.pki;

import com.beust.jcommander.Parameter;
import com.beust.jcommander.Parameters;
import java.util.ArrayList;
import java.util.List;

/**
 * The flags of {@code pki-tool init}.
 */
@Parameters(commandNames = InitCommand.NAME,
        commandDescription = "Create the master and the agent tree, each with its own CA.")
final class InitCommand {

    static final String NAME = "init";

    @Parameter(names = "--dir", required = true, description = "Base directory of the trees.")
    String dir;

    @Parameter(names = "--server-hosts",
            description = "Comma-separated DNS names and IP addresses of the server, put in both server "
                    + "certificates; the first is their CN.")
    List<String> serverHosts = new ArrayList<>(InitRequest.DEFAULT_SERVER_HOSTS);

    @Parameter(names = "--agent-id", description = "Agent id of proxy-agent.crt: its CN and SAN URI "
            + CertificateProfiles.AGENT_URI_PREFIX + "<id>.")
    String agentId = InitRequest.DEFAULT_AGENT_ID;

    @Parameter(names = "--client-name", description = "CN of proxy-client.crt.")
    String clientName = InitRequest.DEFAULT_CLIENT_NAME;

    @Parameter(names = "--key-type", description = "Key type: ec-p256 or rsa-3072.")
    String keyType = KeyType.EC_P256.flagName();

    @Parameter(names = "--days", description = "Validity of server, client and agent certificates in days.")
    int days = InitRequest.DEFAULT_LEAF_DAYS;

    @Parameter(names = "--ca-days", description = "Validity of the CA certificates in days.")
    int caDays = InitRequest.DEFAULT_CA_DAYS;

    @Parameter(names = "--force", description = "Replace existing files.")
    boolean force;

    @Parameter(names = {"-h", "--help"}, help = true, description = "Show this help and exit.")
    boolean help;

    /** The request these flags make; throws {@link InvalidRequestException} naming a bad value. */
    InitRequest toRequest() {
        return new InitRequest(PkiMain.path("--dir", dir), serverHosts, agentId, clientName,
                KeyType.fromFlag(keyType), days, caDays, force);
    }
}
