package io.tunnel.pki;

import java.security.InvalidAlgorithmParameterException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * The key algorithms the tool generates, each named as on the command line ({@code --key-type}).
 */
public enum KeyType {
    /** NIST P-256 (secp256r1) elliptic-curve keys, certificates signed with SHA256withECDSA. The default. */
    EC_P256("ec-p256", "EC P-256", "EC", new ECGenParameterSpec("secp256r1")),
    /** 3072-bit RSA keys, certificates signed with SHA256withRSA. */
    RSA_3072("rsa-3072", "RSA 3072", "RSA", new RSAKeyGenParameterSpec(3072, RSAKeyGenParameterSpec.F4));

    /** Names of the elliptic curves {@link #describe} knows, by OID. */
    private static final Map<String, String> CURVES = Map.of(
            X9ObjectIdentifiers.prime256v1.getId(), "P-256",
            "1.3.132.0.34", "P-384",
            "1.3.132.0.35", "P-521");

    private final String flagName;
    private final String description;
    private final String jcaName;
    private final AlgorithmParameterSpec parameters;

    KeyType(String flagName, String description, String jcaName, AlgorithmParameterSpec parameters) {
        this.flagName = flagName;
        this.description = description;
        this.jcaName = jcaName;
        this.parameters = parameters;
    }

    /** The name used on the command line, e.g. {@code ec-p256}. */
    public String flagName() {
        return flagName;
    }

    /** Whether {@code key} is an RSA key (whose leaf certificates also allow key encipherment). */
    public static boolean isRsa(PublicKey key) {
        return RSA_3072.jcaName.equals(key.getAlgorithm());
    }

    /** Generates a new key pair of this type. */
    public KeyPair generate(SecureRandom random) throws NoSuchAlgorithmException, InvalidAlgorithmParameterException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(jcaName);
        generator.initialize(parameters, random);
        return generator.generateKeyPair();
    }

    /**
     * The type of {@code key}, to make a new key like it.
     *
     * @throws PkiException if the key is of a type this tool does not make
     */
    public static KeyType of(PublicKey key) throws PkiException {
        String found = describe(key);
        for (KeyType type : values()) {
            if (type.description.equals(found)) {
                return type;
            }
        }
        throw new PkiException("cannot make a new key like the current " + found + " key (pki-tool makes "
                + flagNames() + " keys)");
    }

    /** The algorithm and size of {@code key} as people name it: "EC P-256", "RSA 3072", or the algorithm name. */
    public static String describe(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            return "RSA " + rsa.getModulus().bitLength();
        }
        if (key instanceof ECPublicKey) {
            Object parameters = SubjectPublicKeyInfo.getInstance(key.getEncoded()).getAlgorithm().getParameters();
            if (parameters instanceof ASN1ObjectIdentifier curve) {
                return "EC " + CURVES.getOrDefault(curve.getId(), curve.getId());
            }
            return "EC";
        }
        return key.getAlgorithm();
    }

    /**
     * The signature algorithm a certificate signed by {@code signerKey} uses: SHA256withECDSA for EC keys,
     * SHA256withRSA for RSA keys.
     */
    public static String signatureAlgorithmFor(PublicKey signerKey) {
        return switch (signerKey.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException(
                    "unsupported signing key algorithm " + signerKey.getAlgorithm());
        };
    }

    /**
     * The key type named {@code name} on the command line.
     *
     * @throws InvalidRequestException if no key type has that name
     */
    public static KeyType fromFlag(String name) {
        for (KeyType type : values()) {
            if (type.flagName.equals(name)) {
                return type;
            }
        }
        throw new InvalidRequestException("unknown --key-type '" + name + "' (expected " + flagNames() + ")");
    }

    static String flagNames() {
        return Arrays.stream(values()).map(KeyType::flagName).collect(Collectors.joining(" or "));
    }
}
