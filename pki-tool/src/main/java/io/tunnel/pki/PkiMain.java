package io.tunnel.pki;

import com.beust.jcommander.JCommander;
import com.beust.jcommander.ParameterException;
import java.io.PrintStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The command line: {@code pki-tool init|issue|renew|show|export|hash-password [options]}.
 *
 * <p>Exit codes: {@value #EXIT_OK} on success, {@value #EXIT_FAILURE} when a valid request fails (one line
 * {@code pki-tool: <problem>} on stderr), {@value #EXIT_USAGE} on a usage error (that line plus the usage).
 * {@code --help}, on the tool or a command, prints the usage to stdout and exits {@value #EXIT_OK}.
 */
public final class PkiMain {

    /** The program name in messages and usage. */
    public static final String PROGRAM = "pki-tool";
    /** Exit code of success. */
    public static final int EXIT_OK = 0;
    /** Exit code of a valid request that failed. */
    public static final int EXIT_FAILURE = 1;
    /** Exit code of a usage error. */
    public static final int EXIT_USAGE = 2;

    private static final Logger LOG = LogManager.getLogger(PkiMain.class);
    private static final int USAGE_WIDTH = 100;
    /** JCommander's words for an argument it has no place for, before or after the command. */
    private static final Pattern JCOMMANDER_UNEXPECTED = Pattern.compile(
            "Was passed main parameter '(.*)' but no main parameter was defined.*|Expected a command, got (.*)");

    private PkiMain() {
    }

    /** Runs the tool and exits with its exit code. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the tool on {@code args}, printing to {@link System#out} and {@link System#err}. */
    public static int run(String... args) {
        return run(System.out, System.err, args);
    }

    /**
     * Runs the tool on {@code args}.
     *
     * @param out where results and help go
     * @param err where errors and the usage after a usage error go
     * @return the exit code
     */
    public static int run(PrintStream out, PrintStream err, String... args) {
        PkiFlags flags = new PkiFlags();
        InitCommand init = new InitCommand();
        IssueCommand issue = new IssueCommand();
        RenewCommand renew = new RenewCommand();
        ShowCommand show = new ShowCommand();
        ExportCommand export = new ExportCommand();
        HashPasswordCommand hashPassword = new HashPasswordCommand();
        JCommander commander = JCommander.newBuilder()
                .programName(PROGRAM)
                .addObject(flags)
                .addCommand(init)
                .addCommand(issue)
                .addCommand(renew)
                .addCommand(show)
                .addCommand(export)
                .addCommand(hashPassword)
                .expandAtSign(false)
                .columnSize(USAGE_WIDTH)
                .build();

        String command = commandIn(commander, args);
        if (args.length > 0 && !args[0].startsWith("-") && command == null) {
            return usageError(err, commander, null, "unknown command '" + args[0] + "'");
        }
        try {
            commander.parse(args);
        } catch (ParameterException e) {
            return flags.help ? help(out, commander, command) : usageError(err, commander, command, problemOf(e));
        }
        if (flags.version) {
            out.println(PROGRAM + " " + version());
            return EXIT_OK;
        }
        command = commander.getParsedCommand();
        if (flags.help || init.help || issue.help || renew.help || show.help || export.help || hashPassword.help) {
            return help(out, commander, command);
        }
        if (command == null) {
            return usageError(err, commander, null, "no command given");
        }
        try {
            SecureRandom random = new SecureRandom();
            switch (command) {
                case InitCommand.NAME -> printWritten(out, new InitOperation(random).run(init.toRequest()));
                case IssueCommand.NAME -> printWritten(out, new IssueOperation(random).run(issue.toRequest()));
                case RenewCommand.NAME -> printWritten(out, new RenewOperation(random).run(renew.toRequest()));
                case ShowCommand.NAME -> new ShowOperation().run(show.toRequest(), out);
                case ExportCommand.NAME -> printWritten(out, new ExportOperation().run(export.toRequest(), out));
                case HashPasswordCommand.NAME -> new HashPasswordOperation(random)
                        .run(hashPassword.toRequest(), System.console(), System.in, out);
                default -> throw new IllegalStateException("unhandled command " + command);
            }
            return EXIT_OK;
        } catch (InvalidRequestException e) {
            return usageError(err, commander, command, e.getMessage());
        } catch (PkiException e) {
            LOG.debug("{} failed", command, e);
            return failure(err, e.getMessage());
        } catch (RuntimeException e) {
            LOG.debug("{} failed unexpectedly", command, e);
            return failure(err, "unexpected failure: " + e);
        }
    }

    /**
     * The path named by a flag's value.
     *
     * @throws InvalidRequestException if the value is missing or no valid path
     */
    static Path path(String flag, String value) {
        if (value == null || value.isEmpty()) {
            throw new InvalidRequestException(flag + " is empty");
        }
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw new InvalidRequestException("invalid " + flag + " '" + value + "': " + e.getReason());
        }
    }

    private static void printWritten(PrintStream out, List<Path> files) {
        files.forEach(file -> out.println("wrote " + file));
    }

    /** The first argument that names a command, or null. */
    private static String commandIn(JCommander commander, String... args) {
        for (String arg : args) {
            if (commander.getCommands().containsKey(arg)) {
                return arg;
            }
        }
        return null;
    }

    private static int help(PrintStream out, JCommander commander, String command) {
        out.print(usage(commander, command));
        return EXIT_OK;
    }

    private static int usageError(PrintStream err, JCommander commander, String command, String problem) {
        err.println(PROGRAM + ": " + oneLine(problem));
        err.println("Run '" + PROGRAM + (command == null ? "" : " " + command) + " --help' for usage.");
        return EXIT_USAGE;
    }

    /** This build's version, from the runnable jar's manifest ({@code development} when run from classes). */
    static String version() {
        String version = PkiMain.class.getPackage().getImplementationVersion();
        return version != null ? version : "development";
    }

    private static int failure(PrintStream err, String problem) {
        err.println(PROGRAM + ": " + oneLine(problem));
        return EXIT_FAILURE;
    }

    /** The tool's usage (commands only), or a command's usage (its options). */
    private static String usage(JCommander commander, String command) {
        StringBuilder usage = new StringBuilder();
        if (command == null) {
            usage.append("Usage: ").append(PROGRAM).append(" [--help] COMMAND [options]\n\nCommands:\n");
            for (String name : commander.getCommands().keySet()) {
                usage.append(String.format("  %-13s %s\n", name,
                        commander.getUsageFormatter().getCommandDescription(name)));
            }
            usage.append("\nRun '").append(PROGRAM).append(" COMMAND --help' for the options of a command.\n");
        } else {
            JCommander sub = commander.getCommands().get(command);
            sub.setProgramName(PROGRAM + " " + command);
            usage.append(commander.getUsageFormatter().getCommandDescription(command)).append("\n\n");
            sub.getUsageFormatter().usage(usage);
        }
        return usage.toString();
    }

    /** JCommander's message for a parse error, in this tool's words where they are clearer. */
    private static String problemOf(ParameterException e) {
        String message = oneLine(e.getMessage());
        Matcher matcher = JCOMMANDER_UNEXPECTED.matcher(message);
        if (matcher.matches()) {
            String arg = matcher.group(1) != null ? matcher.group(1) : matcher.group(2);
            return (arg.startsWith("-") ? "unknown option '" : "unexpected argument '") + arg + "'";
        }
        return message;
    }

    private static String oneLine(String text) {
        return text == null ? "(no detail)" : text.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
