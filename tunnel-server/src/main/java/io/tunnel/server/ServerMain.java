package io.tunnel.server;

import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.Log4J2LoggerFactory;
import io.tunnel.core.cli.Cli;
import java.io.PrintStream;
import java.util.List;
import java.util.OptionalInt;
import org.apache.logging.log4j.LogManager;

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
        ServerFlags flags = new ServerFlags();
        OptionalInt early = Cli.parse(PROGRAM, args, out, err, new Cli.HelpFlag(), flags.all());
        if (early.isPresent()) {
            return early.getAsInt();
        }
        List<String> problems = flags.problems();
        if (!problems.isEmpty()) {
            return Cli.usageError(PROGRAM, problems.get(0), err);
        }
        TunnelServer server = new TunnelServer(flags.toConfig());
        try {
            server.start();
        } catch (Exception e) {
            err.println(PROGRAM + ": " + e.getMessage());
            LogManager.shutdown();
            return Cli.EXIT_FAILURE;
        }
        return Cli.awaitShutdown(ServerMain.class, server::close);
    }
}
