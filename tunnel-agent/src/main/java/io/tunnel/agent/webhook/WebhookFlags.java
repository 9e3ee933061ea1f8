package io.tunnel.agent.webhook;

import com.beust.jcommander.Parameter;
import com.beust.jcommander.Parameters;
import io.tunnel.core.cli.Cli;
import io.tunnel.core.cli.FlagGroup;
import io.tunnel.core.cli.LinkFlags;
import io.tunnel.core.cli.PathConverter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The webhook's flags: the names and defaults of Gardener's apiserver-proxy-pod-webhook (whose {@code --cert-dir}
 * default is controller-runtime's). They take {@code --flag=value} as well as {@code --flag value}.
 */
@Parameters(separators = "=")
@FlagGroup("Pod webhook")
final class WebhookFlags implements Cli.ProgramFlags<WebhookConfig> {
    /** A host name (a trailing dot allowed) or an IPv4 address: what an environment variable of a Pod can carry. */
    private static final Pattern FQDN = Pattern.compile(
            "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");
    private static final int MAX_FQDN_LENGTH = 254;

    @Parameter(names = "--apiserver-fqdn", required = true,
            description = "Fully qualified name of the kube-apiserver, set as KUBERNETES_SERVICE_HOST (e.g. "
                    + "api.example.com.)")
    String apiserverFqdn;

    @Parameter(names = "--cert-dir", converter = PathConverter.class,
            description = "Directory holding the server certificate and key (and the client CA)")
    Path certDir = Path.of(System.getProperty("java.io.tmpdir"), "k8s-webhook-server", "serving-certs");

    @Parameter(names = "--cert-name", description = "Server certificate file in --cert-dir (PEM)")
    String certName = "tls.crt";

    @Parameter(names = "--key-name", description = "Server key file in --cert-dir (PEM, PKCS#8)")
    String keyName = "tls.key";

    @Parameter(names = "--client-ca-name",
            description = "CA file in --cert-dir; when given, clients must present a certificate issued by it")
    String clientCaName;

    @Parameter(names = "--host", description = "Address to listen on; empty: all addresses")
    String host = "";

    @Parameter(names = "--port", description = "Port to listen on (0 picks a free port)")
    int port = 9443;

    @Override
    public Object[] all() {
        return new Object[] {this};
    }

    @Override
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (apiserverFqdn.length() > MAX_FQDN_LENGTH || !FQDN.matcher(apiserverFqdn).matches()) {
            problems.add("--apiserver-fqdn '" + apiserverFqdn + "' is not a host name");
        }
        LinkFlags.checkPort(problems, "--port", port, 0);
        if (!host.isEmpty() && new InetSocketAddress(host, 0).isUnresolved()) {
            problems.add("--host '" + host + "' does not resolve");
        }
        if (certName.isEmpty() || keyName.isEmpty() || (clientCaName != null && clientCaName.isEmpty())) {
            problems.add("--cert-name, --key-name and --client-ca-name must not be empty");
        }
        return problems;
    }

    @Override
    public WebhookConfig toConfig() {
        InetSocketAddress bind = host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
        return new WebhookConfig(apiserverFqdn, certDir.resolve(certName), certDir.resolve(keyName),
                clientCaName == null ? null : certDir.resolve(clientCaName), bind);
    }
}
