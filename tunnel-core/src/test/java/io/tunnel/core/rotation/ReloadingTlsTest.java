package io.tunnel.core.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ReferenceCounted;
import io.tunnel.core.tls.TlsContexts;
import io.tunnel.core.tls.TlsProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rotation the way it happens: an editor's rename, a Kubernetes Secret's {@code ..data} swap, a broken file. */
class ReloadingTlsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    static X509Bundle ca;

    @TempDir
    Path dir;
    private ReloadingTls tls;
    private Path cert;
    private Path key;
    private Path caFile;
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final ReloadingTls.Listener listener = new ReloadingTls.Listener() {
        @Override
        public void reloaded(String name) {
            events.add("reloaded " + name);
        }

        @Override
        public void refused(String name, String reason) {
            events.add("refused " + name + ": " + reason);
        }
    };

    @BeforeAll
    static void makeCa() throws Exception {
        ca = new CertificateBuilder().subject("CN=ca").setIsCertificateAuthority(true).ecp256().buildSelfSigned();
    }

    @AfterEach
    void stop() {
        if (tls != null) {
            tls.close();
        }
    }

    private static X509Bundle server(String cn) throws Exception {
        return new CertificateBuilder().subject("CN=" + cn).addSanDnsName("localhost").ecp256()
                .addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
    }

    private static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Writes {@code bundle}'s certificate and key, and the CA, as tls.crt, tls.key and ca.crt. */
    private void writeMaterial(X509Bundle bundle) throws IOException {
        cert = Files.writeString(dir.resolve("tls.crt"), bundle.getCertificatePEM());
        key = Files.writeString(dir.resolve("tls.key"), bundle.getPrivateKeyPEM());
        caFile = Files.writeString(dir.resolve("ca.crt"), ca.getCertificatePEM());
    }

    /** Renews as an operator does: the key, then the certificate, each renamed over the old file. */
    private void renew(X509Bundle bundle) throws IOException {
        writeAtomically(key, bundle.getPrivateKeyPEM());
        writeAtomically(cert, bundle.getCertificatePEM());
    }

    private ReloadingTls start(Path cert, Path key, Path caFile) throws Exception {
        return ReloadingTls.start("frontend", List.of(cert, key, caFile),
                () -> TlsContexts.mutualServer(cert, key, caFile, TlsProvider.JDK, false), listener);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void anEditorsRenameIsPickedUpAndABrokenFileIsRefused() throws Exception {
        X509Bundle first = server("first");
        writeMaterial(first);
        tls = start(cert, key, caFile);
        SslContext original = tls.current();

        X509Bundle second = server("second");
        renew(second);
        await("the reload", () -> tls.current() != original);
        assertThat(events).containsExactly("reloaded frontend");

        SslContext good = tls.current();
        writeAtomically(cert, "-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n");
        await("the refusal", () -> events.size() == 2);
        assertThat(events.get(1)).startsWith("refused frontend: cannot parse the certificate in " + cert);
        assertThat(tls.current()).as("the previous context stays").isSameAs(good);
    }

    @Test
    void aKubernetesSecretSwapIsPickedUp() throws Exception {
        // A Secret volume: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>; an update writes a new timestamped
        // directory and renames a new ..data symlink over the old one.
        X509Bundle first = server("first");
        Path v1 = Files.createDirectory(dir.resolve("..2026_12_01_v1"));
        Files.writeString(v1.resolve("tls.crt"), first.getCertificatePEM());
        Files.writeString(v1.resolve("tls.key"), first.getPrivateKeyPEM());
        Files.writeString(v1.resolve("ca.crt"), ca.getCertificatePEM());
        Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
        for (String name : List.of("tls.crt", "tls.key", "ca.crt")) {
            Files.createSymbolicLink(dir.resolve(name), Path.of("..data", name));
        }
        tls = start(dir.resolve("tls.crt"), dir.resolve("tls.key"), dir.resolve("ca.crt"));
        SslContext original = tls.current();

        X509Bundle second = server("second");
        Path v2 = Files.createDirectory(dir.resolve("..2026_12_01_v2"));
        Files.writeString(v2.resolve("tls.crt"), second.getCertificatePEM());
        Files.writeString(v2.resolve("tls.key"), second.getPrivateKeyPEM());
        Files.writeString(v2.resolve("ca.crt"), ca.getCertificatePEM());
        Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
        Files.move(dir.resolve("..data_tmp"), dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);

        await("the reload", () -> tls.current() != original);
        assertThat(events).containsExactly("reloaded frontend");
    }

    @Test
    void aKeyThatNoLongerMatchesIsRefusedOnceAndTheOldContextStays() throws Exception {
        X509Bundle first = server("first");
        writeMaterial(first);
        tls = start(cert, key, caFile);
        SslContext original = tls.current();

        writeAtomically(key, server("other").getPrivateKeyPEM()); // the certificate not renewed with it
        await("the refusal", () -> !events.isEmpty());
        tls.check();
        tls.check();
        assertThat(events).singleElement().asString().contains("does not match the certificate");
        assertThat(tls.current()).isSameAs(original);
    }
    @Test
    void aReplacedReferenceCountedContextIsReleasedAndLivesOnInItsEngines() throws Exception {
        X509Bundle first = server("first");
        writeMaterial(first);
        tls = ReloadingTls.start("frontend", List.of(cert, key, caFile), () -> TlsContexts.server(
                cert, key, caFile, SslProvider.OPENSSL_REFCNT, false,
                ClientAuth.REQUIRE), listener);
        ReferenceCounted original = (ReferenceCounted) tls.current();
        SSLEngine established = tls.context().newEngine(ByteBufAllocator.DEFAULT);
        assertThat(original.refCnt()).as("ours and the engine's").isEqualTo(2);

        X509Bundle second = server("second");
        renew(second);
        await("the reload", () -> tls.current() != original);
        assertThat(original.refCnt()).as("the engine's only").isOne();
        assertThat(established.getEnabledProtocols()).as("the engine still works").isNotEmpty();
        ReferenceCountUtil.release(established);
        assertThat(original.refCnt()).isZero();

        ReferenceCounted replacement = (ReferenceCounted) tls.current();
        tls.close();
        tls.close();
        assertThat(replacement.refCnt()).isZero();
        renew(first);
        tls.check();
        assertThat(tls.current()).as("no reload once closed").isSameAs(replacement);
        assertThat(events).containsExactly("reloaded frontend");
        tls = null;
    }
}
