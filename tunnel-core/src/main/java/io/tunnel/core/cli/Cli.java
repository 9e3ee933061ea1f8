package io.tunnel.core.cli;

import com.beust.jcommander.JCommander;
import com.beust.jcommander.ParameterException;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.Log4J2LoggerFactory;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Shared command-line handling of the runnable jars: {@code --help} prints the usage and {@code --version} the version
 * and exit 0; a bad flag prints one line naming the problem and a hint to {@code --help}, and exits 2. A long-running
 * program drains on SIGTERM or SIGINT and exits 0; a second signal stops it at once with 128 + the signal's number
 * ({@link #serve}).
 */
public final class Cli {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    /** Netty's switch for its buffer-allocation JFR events. */
    static final String NETTY_JFR = "io.netty.jfr.enabled";
    /** Netty's switch for its buffer allocator's low-memory mode. */
    static final String NETTY_LOW_MEMORY = "io.netty.allocator.lowMemory";

    private Cli() {
    }

    /**
     * What a runnable jar sets before Netty starts, each unless the operator set it already:
     * <ul>
     *   <li>Netty logs through log4j2.</li>
     *   <li>Netty records its buffer allocations as JFR events only when asked ({@code -Dio.netty.jfr.enabled=true}).
     *   It turns those events on whenever the JVM has a flight recorder, and registering them loads some 80 JFR
     *   classes, 1.5 to 2 MiB of an idle process.</li>
     *   <li>Netty's buffer allocator stays out of its low-memory mode ({@code -Dio.netty.allocator.lowMemory=false}).
     *   It takes that mode whenever the heap's maximum is 512 MiB or less, as with the recommended {@code -Xmx512m},
     *   although its buffers live outside the heap. In that mode every buffer over 16,896 bytes, such as each 64 KiB
     *   read of a bulk stream, is a one-off direct allocation that the JDK zeroes first (the zeroing alone was 5 % of
     *   the server's samples in a single mTLS download, and the server spent some 16 % more CPU per GiB). Out of it,
     *   those buffers are pooled like the smaller ones.</li>
     * </ul>
     */
    public static void configureNetty() {
        setUnlessSet(NETTY_JFR, "false");
        setUnlessSet(NETTY_LOW_MEMORY, "false");
        InternalLoggerFactory.setDefaultFactory(Log4J2LoggerFactory.INSTANCE);
    }

    private static void setUnlessSet(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
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
     * The {@code main} of a long-running program: sets Netty up ({@link #configureNetty}), then makes the flags (whose
     * defaults may ask Netty already) and runs {@link #runUntilShutdown} on the standard streams. After the service ran
     * it exits with its code, whatever threads are left; after {@code --help} it returns (the caller may print more),
     * after a usage error it exits with its code.
     */
    public static <C> void main(String program, Class<?> owner, String[] args,
                                Supplier<? extends ProgramFlags<C>> flags, Starter<C> starter) {
        configureNetty();
        Outcome outcome = run(program, owner, System.out, System.err, args, flags.get(), starter);
        if (outcome.served() || outcome.code() != EXIT_OK) {
            System.exit(outcome.code());
        }
    }

    /**
     * The life of a long-running program: parses {@code args} into {@code flags}, starts the service and keeps it
     * until SIGTERM/SIGINT ({@link #serve}).
     *
     * @return the exit code: {@link #EXIT_USAGE} for bad flags, {@link #EXIT_FAILURE} if the service did not start
     *         (one line on {@code err} says why), else what {@link #serve} returns
     */
    public static <C> int runUntilShutdown(String program, Class<?> owner, PrintStream out, PrintStream err,
                                           String[] args, ProgramFlags<C> flags, Starter<C> starter) {
        return run(program, owner, out, err, args, flags, starter).code();
    }

    /** An exit code, and whether the service was started (and served until a signal). */
    private record Outcome(int code, boolean served) {
    }

    private static <C> Outcome run(String program, Class<?> owner, PrintStream out, PrintStream err, String[] args,
                                   ProgramFlags<C> flags, Starter<C> starter) {
        LoggingFlags logging = new LoggingFlags();
        Object[] groups = Arrays.copyOf(flags.all(), flags.all().length + 1);
        groups[groups.length - 1] = logging;
        OptionalInt early = parse(program, args, out, err, new HelpFlag(), groups);
        if (early.isPresent()) {
            return new Outcome(early.getAsInt(), false);
        }
        List<String> problems = new ArrayList<>(flags.problems());
        logging.check(problems);
        if (!problems.isEmpty()) {
            return new Outcome(usageError(program, problems.get(0), err), false);
        }
        logging.apply();
        AutoCloseable service;
        try {
            service = starter.start(flags.toConfig());
        } catch (Exception e) {
            err.println(program + ": " + e.getMessage());
            LogManager.shutdown();
            return new Outcome(EXIT_FAILURE, false);
        }
        int code = serve(owner, service, ShutdownSignals.install());
        LogManager.shutdown();
        return new Outcome(code, true);
    }

    /**
     * Keeps {@code service} until the first SIGTERM or SIGINT, then stops it: a {@link Drainable} service drains
     * first and is closed once drained (or once its own timeout ran out); a second signal closes it at once. If the
     * JVM ends otherwise meanwhile (SIGHUP, {@code System.exit}), a shutdown hook closes it.
     *
     * @return {@link #EXIT_OK} after a drain; after a second signal 128 + its number (143 for SIGTERM, 130 for
     *         SIGINT), as a shell reports a process a signal ended
     */
    public static int serve(Class<?> owner, AutoCloseable service, ShutdownSignals signals) {
        Logger log = LogManager.getLogger(owner);
        AtomicBoolean closed = new AtomicBoolean();
        Runnable close = () -> {
            if (closed.compareAndSet(false, true)) {
                try {
                    service.close();
                } catch (Exception e) {
                    log.warn("stopping failed: {}", e.toString());
                }
            }
        };
        Thread hook = new Thread(close, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            ShutdownSignals.Received first = signals.take();
            drain(log, service, first).whenComplete((result, failure) -> signals.raise(ShutdownSignals.DRAINED));
            ShutdownSignals.Received next = signals.take();
            int code = EXIT_OK;
            if (next != ShutdownSignals.DRAINED) {
                log.warn("{} again: stopping at once", next);
                code = 128 + next.number();
            }
            close.run();
            return code;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close.run();
            return EXIT_FAILURE;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already: the hook runs (and finds the service closed)
            }
        }
    }

    private static CompletionStage<?> drain(Logger log, AutoCloseable service, ShutdownSignals.Received signal) {
        if (!(service instanceof Drainable drainable)) {
            log.info("{}: shutting down", signal);
            return CompletableFuture.completedFuture(null);
        }
        log.info("{}: draining (a second SIGTERM or SIGINT stops at once)", signal);
        try {
            return drainable.drain();
        } catch (RuntimeException e) {
            log.warn("draining failed, stopping: {}", e.toString());
            return CompletableFuture.completedFuture(null);
        }
    }

    /**
     * Blocks until SIGTERM/SIGINT, then runs {@code close} and shuts the logging down: the tail of a long-running
     * program without a drain, through the JVM's shutdown hooks.
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
