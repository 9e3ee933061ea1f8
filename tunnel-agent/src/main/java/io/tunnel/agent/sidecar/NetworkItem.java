package io.tunnel.agent.sidecar;

/**
 * One thing the sidecar keeps in place on the node: it can tell whether it is there, add itself and remove itself.
 * Items are values ({@code equals} by content), so the sidecar can remember which ones it added.
 */
public sealed interface NetworkItem permits InterfaceAddress, IptablesRule {

    /** Whether the node has this item now. */
    boolean isPresent(CommandRunner runner) throws SidecarException;

    /** Adds it; call only when {@link #isPresent} said no. */
    void add(CommandRunner runner) throws SidecarException;

    /** Removes one copy of it; call only when {@link #isPresent} said yes. */
    void remove(CommandRunner runner) throws SidecarException;

    /** What it is, for log lines: {@code 10.96.0.2/32 on lo}, or the rule as {@code iptables -S} prints it. */
    @Override
    String toString();
}
