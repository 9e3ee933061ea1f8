package io.tunnel.agent;

import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.Log4J2LoggerFactory;
import io.tunnel.core.cli.Cli;
import java.io.PrintStream;
import java.util.List;
import java.util.OptionalInt;
import org.apache.logging.log4j.LogManager;

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
        AgentFlags flags = new AgentFlags();
        OptionalInt early = Cli.parse(PROGRAM, args, out, err, new Cli.HelpFlag(), flags.all());
        if (early.isPresent()) {
            return early.getAsInt();
        }
        List<String> problems = flags.problems();
        if (!problems.isEmpty()) {
            return Cli.usageError(PROGRAM, problems.get(0), err);
        }
        TunnelAgent agent = new TunnelAgent(flags.toConfig());
        try {
            agent.start();
        } catch (Exception e) {
            err.println(PROGRAM + ": " + e.getMessage());
            agent.close();
            LogManager.shutdown();
            return Cli.EXIT_FAILURE;
        }
        return Cli.awaitShutdown(AgentMain.class, agent::close);
    }
}
