package io.tunnel.pki;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.bouncycastle.util.IPAddress;

/**
 * Validation of the names that end up in certificates and file names: certificate names and agent ids, and
 * server hosts (DNS names or IP literals).
 */
final class Names {

    /** The longest certificate name or agent id. */
    static final int MAX_NAME_LENGTH = 64;
    /** The longest DNS name (RFC 1035, without the trailing dot). */
    static final int MAX_DNS_NAME_LENGTH = 253;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_NAME_LENGTH + "}");
    /** An RFC 1123 label: letters, digits and inner hyphens, at most 63 characters. */
    private static final Pattern DNS_LABEL = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern ALL_DIGITS = Pattern.compile("[0-9]+");
    private static final String WILDCARD_PREFIX = "*.";

    private Names() {
    }

    /**
     * Returns {@code value} if it is 1 to {@value #MAX_NAME_LENGTH} characters of {@code [A-Za-z0-9._-]}.
     *
     * @param flag the flag that gave the value, to name it in the error
     * @throws InvalidRequestException otherwise
     */
    static String requireName(String flag, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new InvalidRequestException("invalid " + flag + " '" + value + "': expected 1 to "
                    + MAX_NAME_LENGTH + " characters of A-Z a-z 0-9 . _ -");
        }
        return value;
    }

    /**
     * Returns the hosts without duplicates, in their order, if each is a DNS name or an IP literal.
     *
     * @param flag the flag that gave the hosts, to name it in the error
     * @throws InvalidRequestException if the list is empty or a host is neither
     */
    static List<String> requireHosts(String flag, List<String> hosts) {
        if (hosts == null || hosts.isEmpty()) {
            throw new InvalidRequestException(flag + " needs at least one host");
        }
        Set<String> unique = new LinkedHashSet<>();
        for (String host : hosts) {
            if (!isIpLiteral(host) && !isDnsName(host)) {
                throw new InvalidRequestException("invalid host '" + host + "' in " + flag
                        + ": neither a DNS name nor an IP address");
            }
            unique.add(host);
        }
        return List.copyOf(new ArrayList<>(unique));
    }

    /** Whether {@code host} is an IPv4 or IPv6 literal (without brackets or zone). */
    static boolean isIpLiteral(String host) {
        return host != null && IPAddress.isValid(host);
    }

    /**
     * Whether {@code host} is a DNS name of RFC 1123 labels, optionally with a leading {@code *.} wildcard over
     * at least two labels. A name whose last label is all digits is rejected: it is a mistyped IP address.
     */
    static boolean isDnsName(String host) {
        if (host == null || host.isEmpty() || host.length() > MAX_DNS_NAME_LENGTH) {
            return false;
        }
        String name = host;
        int minLabels = 1;
        if (host.startsWith(WILDCARD_PREFIX)) {
            name = host.substring(WILDCARD_PREFIX.length());
            minLabels = 2;
        }
        String[] labels = name.split("\\.", -1);
        if (labels.length < minLabels) {
            return false;
        }
        for (String label : labels) {
            if (!DNS_LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return !ALL_DIGITS.matcher(labels[labels.length - 1]).matches();
    }
}
