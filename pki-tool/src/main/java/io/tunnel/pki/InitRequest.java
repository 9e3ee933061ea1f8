package io.tunnel.pki;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What {@code pki-tool init} makes: both trees under {@code dir}, each with a CA, a server certificate for
 * {@code serverHosts}, and the master tree's client certificate or the agent tree's agent certificate.
 *
 * @param dir base directory of the trees
 * @param serverHosts DNS names and IP addresses of the server, as SANs of both server certificates
 * @param agentId the agent id, CN and SAN URI of the agent certificate
 * @param clientName CN of the client certificate
 * @param keyType key type of every key
 * @param leafDays validity of the server, client and agent certificates
 * @param caDays validity of the two CA certificates
 * @param force whether existing files are replaced
 */
public record InitRequest(Path dir, List<String> serverHosts, String agentId, String clientName,
                          KeyType keyType, int leafDays, int caDays, boolean force) {

    /** Hosts of the server certificates unless given. */
    public static final List<String> DEFAULT_SERVER_HOSTS = List.of("localhost", "127.0.0.1");
    /** Agent id of the agent certificate unless given. */
    public static final String DEFAULT_AGENT_ID = "agent-1";
    /** CN of the client certificate unless given. */
    public static final String DEFAULT_CLIENT_NAME = PkiLayout.CLIENT;
    /** Validity of leaf certificates unless given. */
    public static final int DEFAULT_LEAF_DAYS = 365;
    /** Validity of CA certificates unless given. */
    public static final int DEFAULT_CA_DAYS = 3650;

    /**
     * Validates every field.
     *
     * @throws InvalidRequestException naming the first invalid field
     */
    public InitRequest {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(keyType, "keyType");
        serverHosts = Names.requireHosts("--server-hosts", serverHosts);
        Names.requireName("--agent-id", agentId);
        Names.requireName("--client-name", clientName);
        Validity.requireDays("--days", leafDays);
        Validity.requireDays("--ca-days", caDays);
        if (leafDays > caDays) {
            throw new InvalidRequestException("--days " + leafDays + " is longer than --ca-days " + caDays);
        }
    }
}
