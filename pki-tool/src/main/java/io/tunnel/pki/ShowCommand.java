package io.tunnel.pki;

import com.beust.jcommander.Parameter;
import com.beust.jcommander.Parameters;
import java.util.ArrayList;
import java.util.List;

/**
 * The flags of {@code pki-tool show}.
 */
@Parameters(commandNames = ShowCommand.NAME,
        commandDescription = "Print the fields of the certificates in FILE.")
final class ShowCommand {

    static final String NAME = "show";

    @Parameter(description = "FILE")
    List<String> files = new ArrayList<>();

    @Parameter(names = {"-h", "--help"}, help = true, description = "Show this help and exit.")
    boolean help;

    /** The request these flags make; throws {@link InvalidRequestException} unless exactly one file is given. */
    ShowRequest toRequest() {
        if (files.size() != 1) {
            throw new InvalidRequestException("show needs exactly one FILE, got " + files.size());
        }
        if (files.get(0).startsWith("-")) {
            throw new InvalidRequestException("unknown option '" + files.get(0) + "'");
        }
        return new ShowRequest(PkiMain.path("FILE", files.get(0)));
    }
}
