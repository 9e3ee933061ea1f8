package io.tunnel.pki;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * PEM encoding of certificates ({@code CERTIFICATE}) and unencrypted PKCS#8 private keys ({@code PRIVATE KEY}),
 * and reading them back.
 */
final class Pem {

    static final String CERTIFICATE = "CERTIFICATE";
    static final String PRIVATE_KEY = "PRIVATE KEY";

    private Pem() {
    }

    /** The certificate as a PEM {@code CERTIFICATE} block. */
    static byte[] encode(X509Certificate certificate) throws CertificateException {
        return encode(CERTIFICATE, certificate.getEncoded());
    }

    /** The key as an unencrypted PKCS#8 PEM {@code PRIVATE KEY} block. */
    static byte[] encode(PrivateKey key) {
        if (!"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("private key is not PKCS#8 encoded: " + key.getFormat());
        }
        return encode(PRIVATE_KEY, key.getEncoded());
    }

    private static byte[] encode(String type, byte[] der) {
        StringWriter text = new StringWriter();
        try (PemWriter writer = new PemWriter(text)) {
            writer.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write PEM to memory", e);
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The certificates in a PEM or DER file, in order.
     *
     * @throws PkiException if the file cannot be read or holds no certificate
     */
    static List<X509Certificate> readCertificates(Path file) throws PkiException {
        List<X509Certificate> certificates = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certificates.add((X509Certificate) certificate);
            }
        } catch (IOException e) {
            throw PkiException.of("cannot read " + file, e);
        } catch (CertificateException e) {
            throw new PkiException("no valid certificate in " + file, e);
        }
        if (certificates.isEmpty()) {
            throw new PkiException("no certificate in " + file);
        }
        return certificates;
    }

    /**
     * The first private key in a PEM file: PKCS#8 ({@code PRIVATE KEY}) or traditional
     * ({@code EC PRIVATE KEY}, {@code RSA PRIVATE KEY}), unencrypted.
     *
     * @throws PkiException if the file cannot be read or holds no unencrypted private key
     */
    static PrivateKey readPrivateKey(Path file) throws PkiException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                if (object instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (object instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
            }
        } catch (IOException e) {
            throw PkiException.of("cannot read private key " + file, e);
        }
        throw new PkiException("no unencrypted private key in " + file);
    }
}
