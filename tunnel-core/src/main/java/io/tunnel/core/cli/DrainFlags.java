package io.tunnel.core.cli;

import com.beust.jcommander.Parameter;
import java.time.Duration;

/**
 * The drain flag the server and the agent both take, with Konnectivity's name and default: how long established
 * streams may go on after SIGTERM ({@link Drainable}). Each program embeds it with {@code @ParametersDelegate}.
 */
public final class DrainFlags {
    @Parameter(names = "--graceful-shutdown-timeout", converter = DurationConverter.class,
            description = "After SIGTERM, how long established streams may go on before the process exits "
                    + "(a second SIGTERM stops it at once)")
    public Duration gracefulShutdownTimeout = Duration.ofSeconds(30);
}
