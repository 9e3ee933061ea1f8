package io.tunnel.server;

import io.tunnel.core.cli.Cli;

/** {@code java -jar tunnel-server.jar [flags]}: runs the server until SIGTERM/SIGINT. */
public final class ServerMain {
    private static final String PROGRAM = "tunnel-server";

    private ServerMain() {
    }

    public static void main(String[] args) {
        Cli.main(PROGRAM, ServerMain.class, args, ServerFlags::new, config -> new TunnelServer(config).start());
    }
}
