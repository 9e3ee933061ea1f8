package io.tunnel.pki;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;

/**
 * What {@link CertificateProfiles#leaf} needs to make a leaf certificate again, read from the certificate: its kind
 * (from its extended key usage and SANs), its name (the CN) and, for a server, its hosts (the DNS and IP SANs).
 *
 * @param kind the kind
 * @param name the common name: a client's name, an agent's id, a server's first host
 * @param hosts a server's hosts, in the certificate's order; empty for other kinds
 */
record LeafIdentity(CertificateKind kind, String name, List<String> hosts) {

    /** Checks that every part is present. */
    LeafIdentity {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        hosts = List.copyOf(hosts);
    }

    /**
     * The identity of {@code certificate}.
     *
     * @param file where the certificate came from, to name it in errors
     * @throws PkiException if it is a CA, has no CN, or is neither a server, a client nor an agent certificate
     */
    static LeafIdentity of(X509Certificate certificate, Path file) throws PkiException {
        if (certificate.getBasicConstraints() >= 0) {
            throw new PkiException(file + " is a CA certificate, not a server, client or agent certificate");
        }
        String commonName = commonName(certificate, file);
        List<?> purposes;
        Collection<List<?>> altNames;
        try {
            purposes = Objects.requireNonNullElse(certificate.getExtendedKeyUsage(), List.of());
            altNames = Objects.requireNonNullElse(certificate.getSubjectAlternativeNames(), List.of());
        } catch (CertificateParsingException e) {
            throw new PkiException("cannot parse " + file + ": " + e.getMessage(), e);
        }
        if (purposes.contains(KeyPurposeId.id_kp_serverAuth.getId())) {
            List<String> hosts = hosts(altNames, commonName);
            if (hosts.isEmpty()) {
                throw new PkiException(file + " is a server certificate without DNS or IP SANs");
            }
            return new LeafIdentity(CertificateKind.SERVER, commonName, hosts);
        }
        if (purposes.contains(KeyPurposeId.id_kp_clientAuth.getId())) {
            boolean agent = altNames.stream().anyMatch(altName -> (Integer) altName.get(0)
                    == GeneralName.uniformResourceIdentifier
                    && String.valueOf(altName.get(1)).startsWith(CertificateProfiles.AGENT_URI_PREFIX));
            return new LeafIdentity(agent ? CertificateKind.AGENT : CertificateKind.CLIENT, commonName, List.of());
        }
        throw new PkiException(file + " is not a server, client or agent certificate: no serverAuth or clientAuth"
                + " extended key usage");
    }

    private static String commonName(X509Certificate certificate, Path file) throws PkiException {
        RDN[] names = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()).getRDNs(BCStyle.CN);
        if (names.length == 1 && names[0].getFirst().getValue() instanceof ASN1String value) {
            return value.getString();
        }
        throw new PkiException(file + " has no single common name (CN) in its subject");
    }

    /**
     * The DNS and IP SANs in order, each IP as the CN writes it when they are the same address (the JDK spells IPv6
     * addresses in full), so that the first host stays the CN.
     */
    private static List<String> hosts(Collection<List<?>> altNames, String commonName) throws PkiException {
        List<String> hosts = new ArrayList<>();
        for (List<?> altName : altNames) {
            int type = (Integer) altName.get(0);
            String value = String.valueOf(altName.get(1));
            if (type == GeneralName.dNSName) {
                hosts.add(value);
            } else if (type == GeneralName.iPAddress) {
                hosts.add(sameAddress(value, commonName) ? commonName : value);
            }
        }
        return hosts;
    }

    private static boolean sameAddress(String address, String commonName) throws PkiException {
        if (!Names.isIpLiteral(address) || !Names.isIpLiteral(commonName)) {
            return false;
        }
        try {
            // Literals only: no name is looked up.
            return Arrays.equals(InetAddress.getByName(address).getAddress(),
                    InetAddress.getByName(commonName).getAddress());
        } catch (UnknownHostException e) {
            throw new PkiException("cannot parse IP address " + address + ": " + e.getMessage(), e);
        }
    }
}
