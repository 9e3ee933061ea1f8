package io.tunnel.bench;

import java.util.Arrays;

/** The statistics of the benchmark's figures. */
final class Stats {
    private Stats() {
    }

    /**
     * The nearest-rank percentile of {@code sorted} (ascending): the smallest value with at least {@code q} of the
     * values at or below it; 0 for no values.
     */
    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int idx = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }

    /** The mean of {@code values}, 0 for none. */
    static double mean(long[] values) {
        return values.length == 0 ? 0 : Arrays.stream(values).average().orElse(0);
    }

    /** The median of {@code values} (the mean of the middle two for an even count). */
    static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("median of no values");
        }
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
