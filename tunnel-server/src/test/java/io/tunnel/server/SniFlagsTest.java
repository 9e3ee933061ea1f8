package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SNI frontend's flags: off unless --sni-port, routes from flags and a file, their usage errors. */
class SniFlagsTest {
    @TempDir
    Path dir;

    @Test
    void theSniFrontendIsOffUnlessItsPortIsGiven() {
        ServerFlags flags = ServerFlagsTest.parse();
        assertThat(flags.problems()).isEmpty();
        assertThat(flags.toConfig().sni()).isNull();
    }

    @Test
    void routesFromFlagsAndFileReachTheConfig() throws Exception {
        Path file = Files.write(dir.resolve("routes"), List.of("# name=destination", "",
                "  Kubernetes.Default.Svc.=kube-apiserver.private:443  ", "v6.internal=[fd00::5]:6443"));
        ServerFlags flags = ServerFlagsTest.parse("--sni-port", "0", "--sni-bind-address", "127.0.0.1",
                "--sni-route", "private-api.internal=10.0.0.5:443", "--sni-route", "db.internal=db:5432",
                "--sni-routes-file", file.toString(), "--sni-proxy-protocol");
        assertThat(flags.problems()).isEmpty();

        SniConfig sni = flags.toConfig().sni();
        assertThat(sni.address()).isEqualTo(new InetSocketAddress("127.0.0.1", 0));
        assertThat(sni.proxyProtocol()).isTrue();
        assertThat(sni.routes().size()).isEqualTo(4);
        assertThat(sni.routes().find("kubernetes.default.svc").destination())
                .isEqualTo(new ConnectRequest("kube-apiserver.private", 443));
        assertThat(sni.routes().find("v6.internal").target()).isEqualTo("sni:v6.internal->[fd00::5]:6443");
    }

    @Test
    void aPortWithoutRoutesOrRoutesWithoutAPortAreUsageErrors() {
        assertThat(ServerFlagsTest.parse("--sni-port", "8443").problems()).containsExactly(
                "--sni-port needs routes: --sni-route NAME=HOST:PORT or --sni-routes-file");
        assertThat(ServerFlagsTest.parse("--sni-route", "a.internal=a:443").problems()).containsExactly(
                "--sni-route, --sni-routes-file and --sni-proxy-protocol need --sni-port");
        assertThat(ServerFlagsTest.parse("--sni-port", "70000", "--sni-route", "a.internal=a:443").problems())
                .containsExactly("--sni-port must be in [0, 65535]");
    }

    @Test
    void aBadRouteIsAUsageErrorThatNamesIt() throws Exception {
        assertThat(ServerFlagsTest.parse("--sni-port", "0", "--sni-route", "a.internal").problems())
                .containsExactly("--sni-route a.internal: NAME=HOST:PORT expected");
        assertThat(ServerFlagsTest.parse("--sni-port", "0", "--sni-route", "a.internal=a:443",
                "--sni-route", "A.internal.=b:443").problems())
                .containsExactly("--sni-route A.internal.=b:443: server name a.internal is routed twice");
        Path file = Files.write(dir.resolve("routes"), List.of("a.internal=a:443", "b.internal=b"));
        assertThat(ServerFlagsTest.parse("--sni-port", "0", "--sni-routes-file", file.toString()).problems())
                .containsExactly(file + " line 2: destination is not HOST:PORT (an IPv6 address in brackets)");
        Path missing = dir.resolve("missing");
        assertThat(ServerFlagsTest.parse("--sni-port", "0", "--sni-routes-file", missing.toString()).problems())
                .singleElement().asString().startsWith("cannot read " + missing + ": java.nio.file.NoSuchFile");
    }
}
