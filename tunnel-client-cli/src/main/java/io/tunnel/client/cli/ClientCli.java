package io.tunnel.client.cli;

import com.beust.jcommander.JCommander;
import com.beust.jcommander.ParameterException;
import io.netty.util.NetUtil;
import io.tunnel.client.TunnelClient;
import io.tunnel.client.TunnelException;
import io.tunnel.client.forward.ForwardConfig;
import io.tunnel.client.forward.PortForwarder;
import io.tunnel.client.request.PageRequest;
import io.tunnel.client.request.RequestConfig;
import io.tunnel.core.cli.Cli;
import io.tunnel.core.cli.Usage;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import org.apache.logging.log4j.LogManager;

/**
 * The {@code tunnel-client} command line: JCommander sub-commands {@code request} and {@code forward}, each with
 * the shared proxy flags. Like {@link Cli}: {@code --help} prints usage and {@code --version} the version and exit 0;
 * a bad flag prints one line and a hint to {@code --help} and exits 2. Other exit codes: {@link ExitCodes}.
 */
public final class ClientCli {
    static final String PROGRAM = "tunnel-client";
    static final String REQUEST = "request";
    static final String FORWARD = "forward";

    private ClientCli() {
    }

    public static int run(PrintStream out, PrintStream err, String... args) {
        Cli.HelpFlag help = new Cli.HelpFlag();
        RequestFlags request = new RequestFlags();
        ForwardFlags forward = new ForwardFlags();
        JCommander commander = JCommander.newBuilder()
                .programName(PROGRAM)
                .addObject(help)
                .addCommand(REQUEST, request)
                .addCommand(FORWARD, forward)
                .build();
        try {
            commander.parse(args);
        } catch (ParameterException e) {
            String command = commander.getParsedCommand();
            if (help.help || request.help.help || forward.help.help) {
                return usage(commander, command, out, ExitCodes.OK);
            }
            return Cli.usageError(PROGRAM, Cli.describe(e, args), err);
        }
        String command = commander.getParsedCommand();
        if (help.help || request.help.help || forward.help.help) {
            return usage(commander, command, out, ExitCodes.OK);
        }
        if (help.version || request.help.version || forward.help.version) {
            out.println(PROGRAM + " " + Cli.version());
            return ExitCodes.OK;
        }
        if (command == null) {
            return Cli.usageError(PROGRAM, "missing command: " + REQUEST + " or " + FORWARD, err);
        }
        List<String> problems = command.equals(REQUEST) ? request.problems() : forward.problems();
        if (!problems.isEmpty()) {
            return Cli.usageError(PROGRAM + " " + command, problems.get(0), err);
        }
        return command.equals(REQUEST) ? request(request.toConfig(), out, err) : forward(forward.toConfig(), out, err);
    }

    /** GETs the page, body to {@code out}; a non-2xx answer or a refused tunnel is one line on {@code err}. */
    static int request(RequestConfig config, PrintStream out, PrintStream err) {
        try (TunnelClient client = new TunnelClient(config.proxy())) {
            PageRequest.Response response = PageRequest.get(client, config, out);
            out.flush();
            if (!response.isSuccess()) {
                err.println(PROGRAM + ": server answered " + response.status());
                return ExitCodes.FAILURE;
            }
            return ExitCodes.OK;
        } catch (TunnelException e) {
            err.println(PROGRAM + ": " + e.getMessage());
            return ExitCodes.of(e);
        } catch (IOException e) {
            out.flush();
            err.println(PROGRAM + ": request to " + NetUtil.toSocketAddressString(config.host(), config.port()) + " failed: " + e);
            return ExitCodes.FAILURE;
        } finally {
            LogManager.shutdown();
        }
    }

    /** Runs the forward until SIGTERM/SIGINT. */
    static int forward(ForwardConfig config, PrintStream out, PrintStream err) {
        PortForwarder forwarder = new PortForwarder(config);
        try {
            forwarder.start();
        } catch (IOException | RuntimeException e) {
            err.println(PROGRAM + ": " + e.getMessage());
            LogManager.shutdown();
            return ExitCodes.FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            forwarder.close();
            return ExitCodes.FAILURE;
        }
        out.println("forwarding " + NetUtil.toSocketAddressString(forwarder.localAddress())
                + " -> " + config.target() + " via proxy " + config.proxy().proxyAuthority()
                + (config.proxy().isTls() ? " (TLS)" : " (plaintext)"));
        out.flush();
        return Cli.awaitShutdown(ClientCli.class, forwarder::close);
    }

    /**
     * {@code --help}: the commands, or one command's flags grouped as the other programs show theirs, defaults written
     * as the flags accept them ({@code 10s}).
     */
    private static int usage(JCommander commander, String command, PrintStream stream, int code) {
        if (command == null) {
            StringBuilder sb = new StringBuilder("Usage: ").append(PROGRAM).append(" COMMAND [flags]\n\nCommands:\n");
            for (String name : commander.getCommands().keySet()) {
                sb.append(String.format("  %-9s %s%n", name, commander.getUsageFormatter().getCommandDescription(name)));
            }
            sb.append("\nRun '").append(PROGRAM).append(" COMMAND --help' for the flags of a command.\n");
            stream.print(sb);
        } else {
            stream.print(Usage.of(PROGRAM + " " + command, commander.getCommands().get(command)));
        }
        stream.flush();
        return code;
    }
}
