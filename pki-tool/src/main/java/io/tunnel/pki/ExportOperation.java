package io.tunnel.pki;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Carries out {@code pki-tool export --kubernetes}: reads both trees and writes their {@link KubernetesSecret}s as
 * one YAML stream, a document per Secret: for each tree its CA, then its certificates by name. It checks that every
 * certificate has its key and is signed by its tree's CA (or, during a CA rotation, the previous one), and writes
 * the files' bytes as they are. The YAML is made in full before anything is written.
 */
public final class ExportOperation {

    private static final ObjectWriter YAML = new YAMLMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .stringQuotingChecker(new Yaml11QuotingChecker())
            .build()).writer();

    /** Creates the operation. */
    public ExportOperation() {
    }

    /**
     * Writes the Secrets to the request's file, or to {@code out}.
     *
     * @return the files written: the request's file, or none
     * @throws PkiException if a tree, a certificate's key or the output cannot be read or written, a certificate
     *     does not belong in its tree, or its name is no valid Secret name
     */
    public List<Path> run(ExportRequest request, PrintStream out) throws PkiException {
        PkiLayout layout = new PkiLayout(request.dir());
        List<KubernetesSecret> secrets = new ArrayList<>();
        for (Tree tree : Tree.values()) {
            secrets.addAll(secrets(layout, tree, request.namespace()));
        }
        byte[] yaml = yaml(secrets);
        if (request.out().isEmpty()) {
            out.write(yaml, 0, yaml.length);
            out.flush();
            return List.of();
        }
        return new FileTransaction(request.force())
                .file(request.out().get(), yaml, PkiLayout.KEY_PERMISSIONS)
                .commit();
    }

    /** The Secrets of {@code tree}: its CA's, then one per certificate by name. */
    private static List<KubernetesSecret> secrets(PkiLayout layout, Tree tree, String namespace)
            throws PkiException {
        X509Certificate ca = TreeReader.caCertificate(layout, tree);
        List<PublicKey> signers = new ArrayList<>(List.of(ca.getPublicKey()));
        byte[] caCertificates = read(layout.certificate(tree, PkiLayout.CA));
        Path previous = layout.certificate(tree, PkiLayout.PREVIOUS_CA);
        if (Files.exists(previous)) {
            signers.add(Pem.readCertificates(previous).get(0).getPublicKey());
            caCertificates = concat(caCertificates, read(previous));
        }
        List<KubernetesSecret> secrets = new ArrayList<>();
        secrets.add(KubernetesSecret.ca(KubernetesSecret.nameFor(tree, PkiLayout.CA), namespace, caCertificates));
        for (String name : leafNames(layout, tree)) {
            Path file = layout.certificate(tree, name);
            X509Certificate certificate = Pem.readCertificates(file).get(0);
            if (certificate.getBasicConstraints() >= 0) {
                throw new PkiException(file + " is a CA certificate, not a certificate of the "
                        + tree.flagName() + " tree");
            }
            if (signers.stream().noneMatch(signer -> TreeReader.isSignedBy(certificate, signer))) {
                throw new PkiException(file + " is not signed by the " + tree.flagName() + " CA"
                        + (signers.size() > 1 ? " nor by the previous one" : ""));
            }
            Path keyFile = layout.privateKey(tree, name);
            TreeReader.key(file, certificate, keyFile);
            secrets.add(KubernetesSecret.tls(KubernetesSecret.nameFor(tree, name), namespace, read(file),
                    read(keyFile)));
        }
        return secrets;
    }

    /** The names of the certificates of {@code tree} other than its CAs, sorted. */
    private static List<String> leafNames(PkiLayout layout, Tree tree) throws PkiException {
        Path dir = layout.issuedDir(tree);
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(PkiLayout.CERTIFICATE_SUFFIX) && !name.startsWith("."))
                    .map(name -> name.substring(0, name.length() - PkiLayout.CERTIFICATE_SUFFIX.length()))
                    .filter(name -> !PkiLayout.CA.equals(name) && !PkiLayout.PREVIOUS_CA.equals(name))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw PkiException.of("cannot list " + dir, e);
        }
    }

    /** The Secrets as a YAML stream, one document each. */
    static byte[] yaml(List<KubernetesSecret> secrets) throws PkiException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (SequenceWriter writer = YAML.writeValues(bytes)) {
            writer.writeAll(secrets);
        } catch (JsonProcessingException e) {
            throw new PkiException("cannot write the Secrets as YAML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw PkiException.of("cannot write the Secrets as YAML", e);
        }
        return bytes.toByteArray();
    }

    private static byte[] read(Path file) throws PkiException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw PkiException.of("cannot read " + file, e);
        }
    }

    /** Two PEM files as one, with a line break between them if the first lacks its last one. */
    private static byte[] concat(byte[] first, byte[] second) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(first.length + second.length + 1);
        bytes.writeBytes(first);
        if (first.length > 0 && first[first.length - 1] != '\n') {
            bytes.write('\n');
        }
        bytes.writeBytes(second);
        return bytes.toByteArray();
    }

    /**
     * Jackson's minimal quoting, plus quotes around any value that starts like a number: YAML parsers, Kubernetes'
     * among them, would read a plain namespace such as {@code 0x1f}, {@code 017} or {@code 1e3} as a number.
     */
    private static final class Yaml11QuotingChecker extends StringQuotingChecker.Default {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean needToQuoteValue(String value) {
            return super.needToQuoteValue(value) || looksLikeYAMLNumber(value);
        }
    }
}
