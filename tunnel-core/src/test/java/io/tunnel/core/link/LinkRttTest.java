package io.tunnel.core.link;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The round-trip estimate behind window growth: probes one at a time, keeps the smallest recent sample. */
class LinkRttTest {
    private static final long MS = 1_000_000L;

    private final LinkRtt rtt = new LinkRtt();

    @Test
    void withoutASampleGrowthUsesTheDefaultIntervalAndAProbeIsDue() {
        assertThat(rtt.minRttNanos()).isEqualTo(-1);
        assertThat(rtt.growthIntervalNanos()).isEqualTo(LinkConstants.WINDOW_GROWTH_NANOS);
        assertThat(rtt.shouldProbe(0)).isTrue();
    }

    @Test
    void oneProbeAtATimeAndOnlyItsOwnPongIsASample() {
        long payload = rtt.startProbe(100 * MS);
        assertThat(rtt.shouldProbe(100 * MS + LinkRtt.PROBE_INTERVAL_NANOS)).as("one in flight").isFalse();

        rtt.onPong(payload ^ 1, 101 * MS);
        assertThat(rtt.minRttNanos()).as("a keep-alive's PONG").isEqualTo(-1);

        rtt.onPong(payload, 103 * MS);
        assertThat(rtt.minRttNanos()).isEqualTo(3 * MS);
        assertThat(rtt.growthIntervalNanos()).isEqualTo(6 * MS);
        assertThat(rtt.shouldProbe(103 * MS + LinkRtt.PROBE_INTERVAL_NANOS - 1)).as("sample still fresh").isFalse();
        assertThat(rtt.shouldProbe(103 * MS + LinkRtt.PROBE_INTERVAL_NANOS)).isTrue();
    }

    @Test
    void keepsTheSmallestSampleOfTheFilterWindowThenFollowsThePath() {
        rtt.record(2 * MS, 0);
        rtt.record(9 * MS, 1_000 * MS); // taken behind queued data
        assertThat(rtt.minRttNanos()).isEqualTo(2 * MS);

        rtt.record(5 * MS, LinkRtt.MIN_FILTER_NANOS + 1);
        assertThat(rtt.minRttNanos()).as("the old minimum expired: the path got longer").isEqualTo(5 * MS);
    }
}
