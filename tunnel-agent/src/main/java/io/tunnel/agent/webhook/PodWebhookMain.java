package io.tunnel.agent.webhook;

import io.tunnel.core.cli.Cli;

/** {@code java -jar tunnel-agent.jar pod-webhook [flags]}: serves the webhook until SIGTERM/SIGINT. */
public final class PodWebhookMain {
    /** The first argument that selects this command. */
    public static final String COMMAND = "pod-webhook";
    static final String PROGRAM = "tunnel-agent pod-webhook";

    private PodWebhookMain() {
    }

    /** The command's {@code main}; {@code args} are those after {@value #COMMAND}. */
    public static void main(String[] args) {
        Cli.main(PROGRAM, PodWebhookMain.class, args, WebhookFlags::new,
                config -> new PodWebhookServer(config).start());
    }
}
