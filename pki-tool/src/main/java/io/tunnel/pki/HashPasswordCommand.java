package io.tunnel.pki;

import com.beust.jcommander.Parameter;
import com.beust.jcommander.Parameters;

/**
 * The flags of {@code pki-tool hash-password}.
 */
@Parameters(commandNames = HashPasswordCommand.NAME,
        commandDescription = "Print a line 'USER:bcrypt-hash' for tunnel-server's --proxy-users-file. The password "
                + "is read from the terminal (asked twice), or else from the first line of stdin; never from the "
                + "command line.")
final class HashPasswordCommand {

    static final String NAME = "hash-password";

    @Parameter(names = "--user", required = true, description = "The user name: 1 to "
            + HashPasswordRequest.MAX_USER + " visible ASCII characters without ':', quotes or backslashes.")
    String user;

    @Parameter(names = "--cost", description = "The bcrypt cost: each step doubles the time a check takes ("
            + HashPasswordRequest.MIN_COST + "-" + HashPasswordRequest.MAX_COST + ").")
    int cost = HashPasswordRequest.DEFAULT_COST;

    @Parameter(names = {"-h", "--help"}, help = true, description = "Show this help and exit.")
    boolean help;

    /** The request these flags make; throws {@link InvalidRequestException} if the user name or cost is invalid. */
    HashPasswordRequest toRequest() {
        return new HashPasswordRequest(user, cost);
    }
}
