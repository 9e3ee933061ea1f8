package io.tunnel.agent.sidecar;

/** A change to the node that could not be made or checked; its message says which and why, in one line. */
public final class SidecarException extends Exception {
    private static final long serialVersionUID = 1L;

    public SidecarException(String message) {
        super(message);
    }

    public SidecarException(String message, Throwable cause) {
        super(message, cause);
    }
}
