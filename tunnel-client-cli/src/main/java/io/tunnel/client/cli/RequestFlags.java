package io.tunnel.client.cli;

import com.beust.jcommander.Parameter;
import com.beust.jcommander.Parameters;
import com.beust.jcommander.ParametersDelegate;
import io.tunnel.client.request.RequestConfig;
import io.tunnel.core.cli.Cli;
import io.tunnel.core.cli.DurationConverter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@code request}: one HTTP/1.1 GET through the tunnel. */
@Parameters(commandDescription = "GET a page through the tunnel and print its body")
final class RequestFlags {
    @ParametersDelegate
    final Cli.HelpFlag help = new Cli.HelpFlag();

    @ParametersDelegate
    final ProxyFlags proxy = new ProxyFlags();

    @Parameter(names = "--request-host", required = true, description = "Host of the destination (as the agent sees it)")
    String host;

    @Parameter(names = "--request-port", description = "Port of the destination")
    int port = 80;

    @Parameter(names = "--request-path", description = "Path (and query) to GET")
    String path = "/";

    @Parameter(names = "--request-timeout", converter = DurationConverter.class,
            description = "Longest silence while reading the response")
    Duration timeout = Duration.ofSeconds(30);

    List<String> problems() {
        List<String> problems = new ArrayList<>();
        proxy.check(problems);
        if (port < 1 || port > 65535) {
            problems.add("--request-port must be in [1, 65535]");
        }
        if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            problems.add("--request-path must start with / and contain no spaces or control characters");
        }
        return problems;
    }

    RequestConfig toConfig() {
        return new RequestConfig(proxy.toConfig(), host, port, path, timeout);
    }
}
