package io.tunnel.pki;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * A certificate's validity window, to the second.
 *
 * @param notBefore the first instant the certificate is valid
 * @param notAfter the last instant the certificate is valid
 */
public record Validity(Instant notBefore, Instant notAfter) {

    /** How far {@code notBefore} is set into the past, to tolerate clock skew between hosts. */
    public static final Duration BACKDATE = Duration.ofHours(1);
    /** The most days a certificate may be valid: 100 years. */
    public static final int MAX_DAYS = 36_500;

    /** Checks that the window is not empty and truncates both ends to whole seconds. */
    public Validity {
        notBefore = notBefore.truncatedTo(ChronoUnit.SECONDS);
        notAfter = notAfter.truncatedTo(ChronoUnit.SECONDS);
        if (!notAfter.isAfter(notBefore)) {
            throw new IllegalArgumentException("notAfter " + notAfter + " is not after notBefore " + notBefore);
        }
    }

    /** Valid from {@link #BACKDATE} before {@code now} until {@code days} days after {@code now}. */
    public static Validity ofDays(Instant now, int days) {
        return new Validity(now.minus(BACKDATE), now.plus(Duration.ofDays(days)));
    }

    /** Valid from {@link #BACKDATE} before {@code now} until {@code days} days after {@code now} or {@code end}. */
    public static Validity ofDaysUntil(Instant now, int days, Instant end) {
        Instant notAfter = now.plus(Duration.ofDays(days));
        return new Validity(now.minus(BACKDATE), notAfter.isAfter(end) ? end : notAfter);
    }

    /**
     * The whole days, 1 to {@value #MAX_DAYS}, that a certificate valid from {@code notBefore} to {@code notAfter}
     * was made for: its length without the {@link #BACKDATE}, rounded.
     */
    public static int daysOf(Instant notBefore, Instant notAfter) {
        long seconds = Duration.between(notBefore, notAfter).minus(BACKDATE).toSeconds();
        long days = Math.round(seconds / (double) Duration.ofDays(1).toSeconds());
        return (int) Math.max(1, Math.min(MAX_DAYS, days));
    }

    /**
     * Returns {@code days} if it is 1 to {@value #MAX_DAYS}.
     *
     * @param flag the flag that gave the value, to name it in the error
     * @throws InvalidRequestException otherwise
     */
    static int requireDays(String flag, int days) {
        if (days <= 0 || days > MAX_DAYS) {
            throw new InvalidRequestException("invalid " + flag + " " + days + ": expected 1 to " + MAX_DAYS);
        }
        return days;
    }
}
