package io.tunnel.server;

import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.Log4J2LoggerFactory;
import io.tunnel.core.cli.Cli;
import java.io.PrintStream;

/** {@code java -jar tunnel-server.jar [flags]}: runs the server until SIGTERM/SIGINT. */
public final class ServerMain {
    private static final String PROGRAM = "tunnel-server";

    private ServerMain() {
    }

    public static void main(String[] args) {
        InternalLoggerFactory.setDefaultFactory(Log4J2LoggerFactory.INSTANCE);
        int code = run(System.out, System.err, args);
        if (code != Cli.EXIT_OK) {
            System.exit(code);
        }
    }

    static int run(PrintStream out, PrintStream err, String... args) {
        return Cli.runUntilShutdown(PROGRAM, ServerMain.class, out, err, args, new ServerFlags(),
                config -> new TunnelServer(config).start());
    }
}
