package io.tunnel.agent.sidecar;

import java.util.List;

/** Runs a system command ({@code ip}, {@code iptables}) to completion: the sidecar's only way to change the node. */
@FunctionalInterface
public interface CommandRunner {

    /** What a finished command printed and returned. */
    record Result(int exitCode, String stdout, String stderr) {
        public boolean isSuccess() {
            return exitCode == 0;
        }

        /** The command's own words for a failure: its first line on stderr, or its exit code if it said nothing. */
        public String failure() {
            String first = stderr.strip().lines().findFirst().orElse("");
            return first.isEmpty() ? "exit code " + exitCode : first;
        }
    }

    /**
     * Runs {@code command} (program and arguments, no shell) and waits for it to end.
     *
     * @throws SidecarException if it cannot be started or does not end in time
     */
    Result run(List<String> command) throws SidecarException;
}
