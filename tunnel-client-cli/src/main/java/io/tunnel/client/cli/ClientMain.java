package io.tunnel.client.cli;

import io.tunnel.core.cli.Cli;

/**
 * {@code java -jar tunnel-client-cli.jar <request|forward> [flags]}: see {@link ClientCli} for the commands and
 * {@link ExitCodes} for what the exit code says.
 */
public final class ClientMain {
    private ClientMain() {
    }

    public static void main(String[] args) {
        Cli.configureNetty();
        int code = ClientCli.run(System.out, System.err, args);
        if (code != Cli.EXIT_OK) {
            System.exit(code);
        }
    }
}
