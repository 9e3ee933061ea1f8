package io.tunnel.server;

/**
 * What an {@link AgentChooser} decided for one CONNECT: the link and how it was found, or why there is none.
 *
 * @param link     the chosen link, {@code null} if none
 * @param strategy how it was chosen: a {@link ProxyStrategy#flagName()} or {@value #HEADER}; {@code null} if none
 * @param refusal  why no link was chosen (log only, never sent to the client); {@code null} if one was
 */
record AgentChoice(ServerLinkHandler link, String strategy, String refusal) {
    /** The strategy name of a choice made by the client's {@code Tunnel-Agent} header. */
    static final String HEADER = "header";

    static AgentChoice of(ServerLinkHandler link, String strategy) {
        return new AgentChoice(link, strategy, null);
    }

    static AgentChoice none(String refusal) {
        return new AgentChoice(null, null, refusal);
    }

    boolean found() {
        return link != null;
    }
}
