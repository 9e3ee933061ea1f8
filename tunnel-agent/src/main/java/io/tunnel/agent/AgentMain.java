package io.tunnel.agent;

import io.tunnel.core.cli.Cli;

/** {@code java -jar tunnel-agent.jar [flags]}: runs the agent until SIGTERM/SIGINT. */
public final class AgentMain {
    private static final String PROGRAM = "tunnel-agent";

    private AgentMain() {
    }

    public static void main(String[] args) {
        Cli.main(PROGRAM, AgentMain.class, args, new AgentFlags(), config -> new TunnelAgent(config).start());
    }
}
