package io.tunnel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Konnectivity's backoff: the first delay, × 1.5 per failure up to the cap, up to 10 % jitter, reset on success. */
class SyncBackoffTest {

    @Test
    void growsByHalfAfterEachFailureUpToTheCapAndResets() {
        SyncBackoff backoff = new SyncBackoff(1_000, 3_000, () -> 0);
        assertThat(backoff.current()).isEqualTo(1_000);
        assertThat(backoff.step()).isEqualTo(1_000);
        assertThat(backoff.step()).isEqualTo(1_500);
        assertThat(backoff.step()).isEqualTo(2_250);
        assertThat(backoff.step()).isEqualTo(3_000);
        assertThat(backoff.step()).isEqualTo(3_000);
        assertThat(backoff.current()).isEqualTo(3_000);
        backoff.reset();
        assertThat(backoff.current()).isEqualTo(1_000);
    }

    @Test
    void jitterLengthensADelayByAtMostATenth() {
        assertThat(new SyncBackoff(1_000, 10_000, () -> 0.999).current()).isEqualTo(1_099);
        assertThat(new SyncBackoff(1_000, 10_000, () -> 0.5).step()).isEqualTo(1_050);
    }
}
