package io.tunnel.it;

import java.net.Authenticator;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The JDK {@code HttpClient} with an {@link Authenticator} for its proxy, in a JVM of its own: whether it may answer a
 * CONNECT's {@code 407} with Basic credentials is fixed when the JVM starts ({@code
 * jdk.http.auth.tunneling.disabledSchemes}, which disables Basic by default). Prints the destination's status and body;
 * exits 0 if it got them, 1 with the exception otherwise.
 *
 * <p>Arguments: proxy port (on 127.0.0.1), user, password, https URL, CA certificate of the destination.
 */
public final class JdkProxyAuthClient {
    private JdkProxyAuthClient() {
    }

    public static void main(String[] args) throws Exception {
        String user = args[1];
        char[] password = args[2].toCharArray();
        HttpClient client = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0]))))
                .authenticator(new Authenticator() {
                    @Override
                    protected PasswordAuthentication getPasswordAuthentication() {
                        return getRequestorType() == RequestorType.PROXY
                                ? new PasswordAuthentication(user, password) : null;
                    }
                })
                .sslContext(Pem.trusting(Path.of(args[4])))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(args[3]))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            System.out.print(response.statusCode() + " " + response.body());
            System.exit(response.statusCode() == 200 ? 0 : 1);
        } catch (java.io.IOException e) {
            System.out.print(e);
            System.exit(1);
        }
    }
}
