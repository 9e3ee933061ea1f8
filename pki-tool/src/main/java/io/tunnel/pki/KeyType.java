package io.tunnel.pki;

import java.security.InvalidAlgorithmParameterException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The key algorithms the tool generates, each named as on the command line ({@code --key-type}).
 */
public enum KeyType {
    /** NIST P-256 (secp256r1) elliptic-curve keys, certificates signed with SHA256withECDSA. The default. */
    EC_P256("ec-p256", "EC", new ECGenParameterSpec("secp256r1")),
    /** 3072-bit RSA keys, certificates signed with SHA256withRSA. */
    RSA_3072("rsa-3072", "RSA", new RSAKeyGenParameterSpec(3072, RSAKeyGenParameterSpec.F4));

    private final String flagName;
    private final String jcaName;
    private final AlgorithmParameterSpec parameters;

    KeyType(String flagName, String jcaName, AlgorithmParameterSpec parameters) {
        this.flagName = flagName;
        this.jcaName = jcaName;
        this.parameters = parameters;
    }

    /** The name used on the command line, e.g. {@code ec-p256}. */
    public String flagName() {
        return flagName;
    }

    /** Whether keys of this type are RSA keys (whose leaf certificates also allow key encipherment). */
    public boolean isRsa() {
        return "RSA".equals(jcaName);
    }

    /** Generates a new key pair of this type. */
    public KeyPair generate(SecureRandom random) throws NoSuchAlgorithmException, InvalidAlgorithmParameterException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(jcaName);
        generator.initialize(parameters, random);
        return generator.generateKeyPair();
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
