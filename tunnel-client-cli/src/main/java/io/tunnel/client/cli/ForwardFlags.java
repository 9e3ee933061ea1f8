package io.tunnel.client.cli;

import com.beust.jcommander.Parameter;
import com.beust.jcommander.Parameters;
import com.beust.jcommander.ParametersDelegate;
import io.tunnel.client.forward.ForwardConfig;
import io.tunnel.core.cli.Cli;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** {@code forward}: a local port whose every connection is a tunnel to one target. */
@Parameters(commandDescription = "Forward a local port through the tunnel to a destination")
final class ForwardFlags {
    @ParametersDelegate
    final Cli.HelpFlag help = new Cli.HelpFlag();

    @ParametersDelegate
    final ProxyFlags proxy = new ProxyFlags();

    @Parameter(names = "--listen", required = true, converter = HostPortConverter.class,
            description = "Local address:port to listen on (port 0 picks a free port), e.g. 127.0.0.1:8080")
    HostPort listen;

    @Parameter(names = "--target", required = true, converter = HostPortConverter.class,
            description = "Destination host:port (as the agent sees it)")
    HostPort target;

    List<String> problems() {
        List<String> problems = new ArrayList<>();
        proxy.check(problems);
        if (target.port() == 0) {
            problems.add("--target needs a port in [1, 65535]");
        }
        return problems;
    }

    ForwardConfig toConfig() {
        return new ForwardConfig(new InetSocketAddress(listen.host(), listen.port()), target.host(), target.port(),
                proxy.toConfig());
    }
}
