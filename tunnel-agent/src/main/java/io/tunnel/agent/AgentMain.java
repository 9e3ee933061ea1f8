package io.tunnel.agent;

import io.tunnel.agent.sidecar.SidecarMain;
import io.tunnel.agent.webhook.PodWebhookMain;
import io.tunnel.core.cli.Cli;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * {@code java -jar tunnel-agent.jar [flags]}: runs the agent until SIGTERM/SIGINT. Two commands share the jar, for
 * the nodes and the cluster of the private side: {@code sidecar} ({@link SidecarMain}) and {@code pod-webhook}
 * ({@link PodWebhookMain}), chosen by the first argument.
 */
public final class AgentMain {
    private static final String PROGRAM = "tunnel-agent";
    private static final String COMMANDS = """
            Commands (each has its own --help):
              tunnel-agent sidecar --ip-address <ip> [--setup-iptables] ...
                  keep the apiserver proxy's address (and iptables rules) on a node's interface
              tunnel-agent pod-webhook --apiserver-fqdn <name> ...
                  mutating admission webhook: KUBERNETES_SERVICE_HOST=<name> in every container of new Pods
            Without a command, the jar runs the agent with the options above.
            """;

    private AgentMain() {
    }

    public static void main(String[] args) {
        String command = args.length > 0 ? args[0] : "";
        String[] rest = args.length > 0 ? Arrays.copyOfRange(args, 1, args.length) : args;
        switch (command) {
            case SidecarMain.COMMAND -> SidecarMain.main(rest);
            case PodWebhookMain.COMMAND -> PodWebhookMain.main(rest);
            default -> {
                Cli.main(PROGRAM, AgentMain.class, args, AgentFlags::new, config -> new TunnelAgent(config).start());
                if (asksForHelp(args)) {
                    System.out.print(COMMANDS);
                }
            }
        }
    }

    private static boolean asksForHelp(String[] args) {
        return !Collections.disjoint(Arrays.asList(args), List.of("--help", "-h"));
    }
}
