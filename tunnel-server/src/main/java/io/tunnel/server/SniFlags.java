package io.tunnel.server;

import com.beust.jcommander.Parameter;
import io.tunnel.core.cli.FlagGroup;
import io.tunnel.core.cli.LinkFlags;
import io.tunnel.core.cli.PathConverter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The SNI passthrough frontend's flags ({@link SniFrontend}); it is off unless {@code --sni-port} is given. */
@FlagGroup("SNI passthrough frontend (TLS relayed by server name, never terminated)")
final class SniFlags {
    @Parameter(names = "--sni-port", description = "Port of the SNI passthrough frontend (off unless given): a TLS "
            + "client's server name picks its route, and its TLS goes on, unterminated, to the route's destination")
    Integer port;

    @Parameter(names = "--sni-bind-address", description = "Address the SNI frontend binds to")
    String bindAddress = "0.0.0.0";

    @Parameter(names = "--sni-route", description = "NAME=HOST:PORT: relay TLS clients that ask for server name NAME "
            + "to HOST:PORT through an agent (routed by HOST like a CONNECT); repeatable. Other names are refused")
    List<String> routes = new ArrayList<>();

    @Parameter(names = "--sni-routes-file", converter = PathConverter.class, description = "File of routes, one "
            + "NAME=HOST:PORT a line as --sni-route takes it, # comments; read at start")
    Path routesFile;

    @Parameter(names = "--sni-proxy-protocol", description = "Send each destination a PROXY protocol v2 header with "
            + "the client's address ahead of its TLS bytes")
    boolean proxyProtocol;

    private SniRoutes parsed;

    /** The routes of the flags and the file, read once; throws with the reason if they are not valid. */
    private SniRoutes routes() {
        if (parsed == null) {
            try {
                parsed = SniRoutes.of(routes, routesFile);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + routesFile + ": " + e, e);
            }
        }
        return parsed;
    }

    void check(List<String> problems) {
        if (port == null) {
            if (!routes.isEmpty() || routesFile != null || proxyProtocol) {
                problems.add("--sni-route, --sni-routes-file and --sni-proxy-protocol need --sni-port");
            }
            return;
        }
        LinkFlags.checkPort(problems, "--sni-port", port, 0);
        try {
            if (routes().size() == 0) {
                problems.add("--sni-port needs routes: --sni-route NAME=HOST:PORT or --sni-routes-file");
            }
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
    }

    /** The frontend's config; {@code null} if it is off. */
    SniConfig toConfig() {
        return port == null ? null
                : new SniConfig(new InetSocketAddress(bindAddress, port), routes(), proxyProtocol);
    }
}
