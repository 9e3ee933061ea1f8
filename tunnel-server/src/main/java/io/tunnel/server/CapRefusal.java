package io.tunnel.server;

/** Which cap a refused connection met: a metrics label, and the flag that sets the cap. */
enum CapRefusal {
    MAX_CONNECTIONS("max_connections", "--max-frontend-connections"),
    MAX_CONNECTIONS_PER_IP("max_connections_per_ip", "--max-frontend-connections-per-ip"),
    MAX_HANDSHAKES("max_handshakes", "--max-concurrent-handshakes"),
    MAX_AGENT_LINKS("max_agent_links", "--max-agent-links");

    private final String label;
    private final String flag;

    CapRefusal(String label, String flag) {
        this.label = label;
        this.flag = flag;
    }

    /** The value of the {@code reason} metrics label. */
    String label() {
        return label;
    }

    /** The flag that sets this cap. */
    String flag() {
        return flag;
    }

    /** Names the events in {@link io.tunnel.core.log.RateLimitedLog}'s summary line. */
    @Override
    public String toString() {
        return "connections refused at " + flag;
    }
}
