package io.tunnel.it.netns;

import io.tunnel.it.Once;
import io.tunnel.it.SharedTunnels;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The one {@link PrivateNetwork} of a failsafe JVM's run: the netns classes take turns on the same namespaces,
 * certificates and private services, each starting its own tunnel (the fixed ports in the namespaces are free again
 * once a class stopped its tunnel). Built on the first {@link #get()}, removed when the run ends. A class asks for
 * it as a parameter of its {@code @BeforeAll} method, with {@code @ExtendWith(SharedPrivateNetwork.Extension.class)}.
 */
final class SharedPrivateNetwork implements AutoCloseable {
    static final String PREFIX_PROPERTY = "tunnel.it.netns.prefix";
    /**
     * The namespaces' prefix: {@code tunit-it}, or the system property {@value #PREFIX_PROPERTY} (for two checkouts
     * running these tests on one machine at once: each needs a prefix of its own).
     */
    private static final String PREFIX = System.getProperty(PREFIX_PROPERTY, "tunit-it");

    private final Once<PrivateNetwork> network = new Once<>(() -> PrivateNetwork.start(PREFIX));

    /** The network; skips the calling class (or fails it, under CI) where namespaces cannot be made. */
    PrivateNetwork get() {
        Privileged.require(PrivateNetwork.TOOLS); // before the build, so that this stays a skip
        return network.get();
    }

    @Override
    public void close() {
        PrivateNetwork made = network.ifMade();
        if (made != null) {
            made.close();
        }
    }

    /** Resolves a {@link SharedPrivateNetwork} parameter. */
    static final class Extension implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == SharedPrivateNetwork.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return SharedTunnels.perRun(context, SharedPrivateNetwork.class, SharedPrivateNetwork::new);
        }
    }
}
