package io.tunnel.server;

import com.beust.jcommander.Parameter;
import io.tunnel.core.cli.DurationConverter;
import io.tunnel.core.cli.FlagGroup;
import java.time.Duration;
import java.util.List;

/** What the access log ({@code tunnel.access}) writes besides a line per ended stream ({@link AccessLogConfig}). */
@FlagGroup("Access log")
final class AccessLogFlags {
    @Parameter(names = "--access-log-open", description = "Also a line when a stream opens (event=opened)")
    boolean openLines;

    @Parameter(names = "--access-log-progress", converter = DurationConverter.class, description = "A line "
            + "(event=progress) with the bytes so far for each stream open longer than this, repeated at this "
            + "interval; 0s: none")
    Duration progress = AccessLogConfig.DEFAULT_PROGRESS;

    void check(List<String> problems) {
        if (progress.isNegative() || (!progress.isZero() && progress.compareTo(AccessLogConfig.MIN_PROGRESS) < 0)) {
            problems.add("--access-log-progress must be 0s (none) or at least " + AccessLogConfig.MIN_PROGRESS.toSeconds()
                    + "s");
        }
    }

    AccessLogConfig toConfig() {
        return new AccessLogConfig(openLines, progress);
    }
}
