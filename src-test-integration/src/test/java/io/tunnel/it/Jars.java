package io.tunnel.it;

import java.nio.file.Files;
import java.nio.file.Path;

/** The fat jars under test, as {@code mvn package} leaves them. */
public final class Jars {
    public static final Path ROOT = Path.of(System.getProperty("tunnel.repo.root", "..")).toAbsolutePath().normalize();
    public static final Path SERVER = jar("tunnel-server");
    public static final Path AGENT = jar("tunnel-agent");
    public static final Path CLIENT = jar("tunnel-client-cli");
    public static final Path PKI = jar("pki-tool");

    private Jars() {
    }

    private static Path jar(String module) {
        return ROOT.resolve(module).resolve("target").resolve(module + ".jar");
    }

    static void requireBuilt() {
        for (Path jar : new Path[] {SERVER, AGENT, CLIENT, PKI}) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: run mvn package first");
            }
        }
    }
}
