package io.tunnel.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * What the IT classes of one failsafe JVM share: one PKI made by pki-tool, and the two standard tunnels (a server and
 * an agent each, with default flags), one with the mTLS frontend and one with the plaintext frontend. Each is
 * started on first use and stopped, with the leak check of every process, when the run ends; so a new test class
 * adds the time of its tests, not of start-ups.
 *
 * <p>A class asks for it as a parameter of its {@code @BeforeAll} method, with
 * {@code @ExtendWith(SharedTunnels.Extension.class)}. The shared tunnels serve tests that leave them as they found
 * them: classes that kill or restart processes, or need other flags, start their own {@link TunnelFixture} with
 * {@link #pki()}. The shared processes log for every class, so a test asserts only on what it caused: the output
 * after a {@link JavaProcess#mark()} taken before it acted. After each class the extension checks that the shared
 * processes still run and reported no leak meanwhile, which blames a broken tunnel on the class that saw it.
 * Files (certificates, logs) are in {@code target/it-shared/}, emptied when a run starts.
 */
public final class SharedTunnels implements AutoCloseable {
    private static final Path DIR = Path.of("target", "it-shared").toAbsolutePath();

    private final Once<TestPki> pki = new Once<>(() -> {
        Jars.requireBuilt();
        return TestPki.init(TestDirs.fresh(DIR).resolve("certs"));
    });
    private final Once<TunnelFixture> mtls = new Once<>(() ->
            TunnelFixture.builder(pki(), DIR.resolve("logs-mtls")).start());
    private final Once<TunnelFixture> plain = new Once<>(() ->
            TunnelFixture.builder(pki(), DIR.resolve("logs-plain")).plaintextFrontend().start());
    /** How much of each shared process's output the checks after each class have read. */
    private final Map<JavaProcess, Integer> checked = new HashMap<>();

    private SharedTunnels() {
    }

    /** The certificates of {@code pki-tool init} for {@code localhost,127.0.0.1}; issue more under new names only. */
    public TestPki pki() {
        return pki.get();
    }

    /** Server (mTLS frontend, OpenSSL) and agent with default flags. */
    public TunnelFixture mtls() {
        return running(mtls.get());
    }

    /** Server (plaintext frontend) and agent with default flags. */
    public TunnelFixture plain() {
        return running(plain.get());
    }

    private static TunnelFixture running(TunnelFixture fixture) {
        fixture.assertRunning();
        return fixture;
    }

    /** Fails if a shared tunnel's process died, or reported a leak since the last check. */
    synchronized void check() {
        for (TunnelFixture fixture : started()) {
            fixture.assertRunning();
            for (JavaProcess process : fixture.processes()) {
                int mark = process.mark();
                process.assertNoLeakSince(checked.getOrDefault(process, 0));
                checked.put(process, mark);
            }
        }
    }

    private List<TunnelFixture> started() {
        List<TunnelFixture> started = new ArrayList<>();
        for (Once<TunnelFixture> fixture : List.of(mtls, plain)) {
            if (fixture.ifMade() != null) {
                started.add(fixture.ifMade());
            }
        }
        return started;
    }

    /** Stops the shared tunnels; fails if one of their processes reported a leak. */
    @Override
    public void close() {
        try (TunnelFixture a = mtls.ifMade(); TunnelFixture b = plain.ifMade()) {
            // closed in reverse order
        }
    }

    /**
     * The one instance of {@code type} in this JVM's test run: made by {@code create} on first use, kept in JUnit's
     * root store, and closed by JUnit when the run ends.
     */
    public static <T extends AutoCloseable> T perRun(ExtensionContext context, Class<T> type, Supplier<T> create) {
        return context.getRoot().getStore(ExtensionContext.Namespace.create(type))
                .getOrComputeIfAbsent(type, key -> create.get(), type);
    }

    /** Resolves a {@link SharedTunnels} parameter, and checks the shared tunnels after each class that used them. */
    public static final class Extension implements ParameterResolver, AfterAllCallback {
        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == SharedTunnels.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return perRun(context, SharedTunnels.class, SharedTunnels::new);
        }

        @Override
        public void afterAll(ExtensionContext context) {
            perRun(context, SharedTunnels.class, SharedTunnels::new).check();
        }
    }
}
