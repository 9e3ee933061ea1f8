package io.tunnel.pki;

import com.beust.jcommander.Parameter;

/**
 * The flags of the tool itself, before the command.
 */
final class PkiFlags {

    @Parameter(names = {"-h", "--help"}, help = true, description = "Show this help and exit.")
    boolean help;

    @Parameter(names = "--version", help = true, description = "Show the version and exit.")
    boolean version;
}
