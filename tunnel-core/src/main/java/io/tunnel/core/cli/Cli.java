package io.tunnel.core.cli;

import com.beust.jcommander.JCommander;
import com.beust.jcommander.ParameterException;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.Log4J2LoggerFactory;
import java.io.PrintStream;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import org.apache.logging.log4j.LogManager;

/**
 * Shared command-line handling of the runnable jars: {@code --help} prints the usage and {@code --version} the version
 * and exit 0; a bad flag prints one line naming the problem and a hint to {@code --help}, and exits 2.
 */
public final class Cli {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    private Cli() {
    }

    /**
     * Parses {@code args} into {@code flags} (objects annotated for JCommander, in the order {@code --help} lists their
     * groups): {@code --help} prints the usage ({@link Usage}) and {@code --version} the version, both to {@code out}
     * with exit code 0; a bad flag prints one line naming it and a hint to {@code --help} on {@code err}, exit code 2.
     *
     * @return an exit code if the program should stop here (help, version or usage error), empty to go on
     */
    public static OptionalInt parse(String program, String[] args, PrintStream out, PrintStream err,
                                    HelpFlag help, Object... flags) {
        JCommander.Builder builder = JCommander.newBuilder().programName(program).addObject(help);
        for (Object f : flags) {
            builder.addObject(f);
        }
        JCommander commander = builder.build();
        try {
            commander.parse(args);
        } catch (ParameterException e) {
            if (help.help || help.version) {
                return OptionalInt.of(helpOrVersion(program, commander, help, out, flags));
            }
            return OptionalInt.of(usageError(program, describe(e, args), err));
        }
        if (help.help || help.version) {
            return OptionalInt.of(helpOrVersion(program, commander, help, out, flags));
        }
        return OptionalInt.empty();
    }

    private static int helpOrVersion(String program, JCommander commander, HelpFlag help, PrintStream out,
                                     Object... flags) {
        out.print(help.help ? Usage.of(program, commander, flags) : program + " " + version() + "\n");
        out.flush();
        return EXIT_OK;
    }

    /** This build's version, from the runnable jar's manifest ({@code development} when run from classes). */
    public static String version() {
        String version = Cli.class.getPackage().getImplementationVersion();
        return version != null ? version : "development";
    }

    /** JCommander calls an unknown flag a "main parameter"; say what it is. */
    public static String describe(ParameterException e, String[] args) {
        String message = e.getMessage();
        if (message != null && message.contains("main parameter")) {
            for (String arg : args) {
                if (message.contains("'" + arg + "'")) {
                    return (arg.startsWith("-") ? "unknown flag " : "unexpected argument ") + arg;
                }
            }
        }
        return message;
    }

    /** Reports a semantic flag error (found after parsing) the same way as a parse error. */
    public static int usageError(String program, String message, PrintStream err) {
        err.println(program + ": " + message);
        err.println("Run with --help for usage.");
        return EXIT_USAGE;
    }

    /** What a long-running program's flags give: JCommander objects, the checks parsing cannot make, the config. */
    public interface ProgramFlags<C> {
        /** The objects annotated for JCommander. */
        Object[] all();

        /** Problems found after parsing (flags that go together, ranges), in the order to report them. */
        List<String> problems();

        C toConfig();
    }

    /** Starts a program's service from its config; when it throws, it has left nothing running. */
    @FunctionalInterface
    public interface Starter<C> {
        AutoCloseable start(C config) throws Exception;
    }

    /**
     * The {@code main} of a long-running program: routes Netty's logging to log4j2, runs {@link #runUntilShutdown} on
     * the standard streams and exits with its code when that is not {@link #EXIT_OK}.
     */
    public static <C> void main(String program, Class<?> owner, String[] args, ProgramFlags<C> flags,
                                Starter<C> starter) {
        InternalLoggerFactory.setDefaultFactory(Log4J2LoggerFactory.INSTANCE);
        int code = runUntilShutdown(program, owner, System.out, System.err, args, flags, starter);
        if (code != EXIT_OK) {
            System.exit(code);
        }
    }

    /**
     * The life of a long-running program: parses {@code args} into {@code flags}, starts the service and keeps it
     * until SIGTERM/SIGINT.
     *
     * @return the exit code: {@link #EXIT_OK} after a shutdown, {@link #EXIT_USAGE} for bad flags,
     *         {@link #EXIT_FAILURE} if the service did not start (one line on {@code err} says why)
     */
    public static <C> int runUntilShutdown(String program, Class<?> owner, PrintStream out, PrintStream err,
                                           String[] args, ProgramFlags<C> flags, Starter<C> starter) {
        OptionalInt early = parse(program, args, out, err, new HelpFlag(), flags.all());
        if (early.isPresent()) {
            return early.getAsInt();
        }
        List<String> problems = flags.problems();
        if (!problems.isEmpty()) {
            return usageError(program, problems.get(0), err);
        }
        AutoCloseable service;
        try {
            service = starter.start(flags.toConfig());
        } catch (Exception e) {
            err.println(program + ": " + e.getMessage());
            LogManager.shutdown();
            return EXIT_FAILURE;
        }
        return awaitShutdown(owner, () -> {
            try {
                service.close();
            } catch (Exception e) {
                LogManager.getLogger(owner).warn("stopping {} failed: {}", program, e.toString());
            }
        });
    }

    /**
     * Blocks until SIGTERM/SIGINT, then runs {@code close} and shuts the logging down: the tail of every
     * long-running program.
     *
     * @return {@link #EXIT_OK}
     */
    public static int awaitShutdown(Class<?> owner, Runnable close) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LogManager.getLogger(owner).info("shutting down");
            close.run();
            stopped.countDown();
            LogManager.shutdown();
        }, "shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return EXIT_OK;
    }

    /** The {@code --help} and {@code --version} flags every program takes. */
    @FlagGroup("Help")
    public static final class HelpFlag {
        @com.beust.jcommander.Parameter(names = {"--help", "-h"}, help = true, description = "Print this usage and exit")
        public boolean help;

        @com.beust.jcommander.Parameter(names = "--version", help = true, description = "Print the version and exit")
        public boolean version;
    }
}
