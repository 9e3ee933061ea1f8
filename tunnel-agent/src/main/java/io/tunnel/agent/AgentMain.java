package io.tunnel.agent;

import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.Log4J2LoggerFactory;
import io.tunnel.core.cli.Cli;
import java.io.PrintStream;

/** {@code java -jar tunnel-agent.jar [flags]}: runs the agent until SIGTERM/SIGINT. */
public final class AgentMain {
    private static final String PROGRAM = "tunnel-agent";

    private AgentMain() {
    }

    public static void main(String[] args) {
        InternalLoggerFactory.setDefaultFactory(Log4J2LoggerFactory.INSTANCE);
        int code = run(System.out, System.err, args);
        if (code != Cli.EXIT_OK) {
            System.exit(code);
        }
    }

    static int run(PrintStream out, PrintStream err, String... args) {
        return Cli.runUntilShutdown(PROGRAM, AgentMain.class, out, err, args, new AgentFlags(),
                config -> new TunnelAgent(config).start());
    }
}
