package io.tunnel.agent.sidecar;

import io.tunnel.core.cli.Cli;
import java.io.PrintStream;
import java.util.List;
import java.util.OptionalInt;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * {@code java -jar tunnel-agent.jar sidecar [flags]}: as a daemon (the default) it keeps the addresses and rules
 * until SIGTERM; with {@code --daemon=false} it sets them up once and exits, 0 if everything is in place.
 */
public final class SidecarMain {
    /** The first argument that selects this command. */
    public static final String COMMAND = "sidecar";
    static final String PROGRAM = "tunnel-agent sidecar";
    private static final Logger LOG = LogManager.getLogger(SidecarMain.class);

    private SidecarMain() {
    }

    /** The command's {@code main}; {@code args} are those after {@value #COMMAND}. */
    public static void main(String[] args) {
        int code = run(args, System.out, System.err, new ProcessCommandRunner(ProcessCommandRunner.DEFAULT_TIMEOUT));
        if (code != Cli.EXIT_OK) {
            System.exit(code);
        }
    }

    /**
     * Parses {@code args}, then runs once or as a daemon until shutdown.
     *
     * @return {@link Cli#EXIT_USAGE} for bad flags, {@link Cli#EXIT_FAILURE} if the addresses or rules could not be
     *         set up (one line on {@code err} says so, the log says what failed), {@link Cli#EXIT_OK} otherwise
     */
    static int run(String[] args, PrintStream out, PrintStream err, CommandRunner runner) {
        SidecarFlags flags = new SidecarFlags();
        OptionalInt early = Cli.parse(PROGRAM, SidecarFlags.normalize(args), out, err, new Cli.HelpFlag(),
                flags.all());
        if (early.isPresent()) {
            return early.getAsInt();
        }
        List<String> problems = flags.problems();
        if (!problems.isEmpty()) {
            return Cli.usageError(PROGRAM, problems.get(0), err);
        }
        SidecarConfig config = flags.toConfig();
        Sidecar sidecar = new Sidecar(config, runner);
        if (!config.daemon()) {
            if (config.cleanup()) {
                LOG.warn("--cleanup applies to a daemon's shutdown; with --daemon=false the setup stays in place");
            }
            boolean complete = sidecar.sync();
            if (!complete) {
                err.println(PROGRAM + ": could not set up everything (see the log)");
            }
            LogManager.shutdown();
            return complete ? Cli.EXIT_OK : Cli.EXIT_FAILURE;
        }
        try {
            sidecar.start();
        } catch (SidecarException e) {
            err.println(PROGRAM + ": " + e.getMessage());
            LogManager.shutdown();
            return Cli.EXIT_FAILURE;
        }
        return Cli.awaitShutdown(SidecarMain.class, sidecar::close);
    }
}
