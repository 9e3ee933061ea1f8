package io.tunnel.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void percentileIsTheNearestRank() {
        long[] hundred = LongStream.rangeClosed(1, 100).toArray();
        assertThat(Stats.percentile(hundred, 0.50)).isEqualTo(50);
        assertThat(Stats.percentile(hundred, 0.99)).isEqualTo(99);
        assertThat(Stats.percentile(hundred, 0.999)).isEqualTo(100);
        assertThat(Stats.percentile(hundred, 1.0)).isEqualTo(100);
        assertThat(Stats.percentile(hundred, 0.0)).isEqualTo(1);
        long[] three = {10, 20, 30};
        assertThat(Stats.percentile(three, 0.50)).isEqualTo(20);
        assertThat(Stats.percentile(three, 0.90)).isEqualTo(30);
    }

    @Test
    void noValuesGiveZero() {
        assertThat(Stats.percentile(new long[0], 0.5)).isZero();
        assertThat(Stats.mean(new long[0])).isZero();
    }

    @Test
    void meanAndMedian() {
        assertThat(Stats.mean(new long[] {1, 2, 6})).isEqualTo(3.0);
        assertThat(Stats.median(new double[] {5, 1, 3})).isEqualTo(3.0);
        assertThat(Stats.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
        assertThat(Stats.median(new double[] {7})).isEqualTo(7.0);
        assertThatThrownBy(() -> Stats.median(new double[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void medianDoesNotReorderItsInput() {
        double[] v = {3, 1, 2};
        Stats.median(v);
        assertThat(v).containsExactly(3, 1, 2);
    }
}
