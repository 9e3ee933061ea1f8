package io.tunnel.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OptionsTest {

    @Test
    void modeValuesAndSwitches() {
        Options o = Options.parse("rate", "--tag", "rate.tunnel_mtls", "--count", "2000", "--resume",
                "--max-seconds", "6.5", "--watch", "server=12,agent=13");
        assertThat(o.mode()).isEqualTo("rate");
        assertThat(o.get("tag", "x")).isEqualTo("rate.tunnel_mtls");
        assertThat(o.getInt("count", 1)).isEqualTo(2000);
        assertThat(o.getDouble("max-seconds", 30)).isEqualTo(6.5);
        assertThat(o.has("resume")).isTrue();
        assertThat(o.get("watch", "")).isEqualTo("server=12,agent=13");
    }

    @Test
    void aSwitchAtTheEndOrBeforeAnotherOptionIsTrue() {
        Options o = Options.parse("hol", "--resume", "--threads", "3", "--verbose");
        assertThat(o.has("resume")).isTrue();
        assertThat(o.has("verbose")).isTrue();
        assertThat(o.getInt("threads", 1)).isEqualTo(3);
    }

    @Test
    void missingOptionsTakeDefaultsOrFailWhenRequired() {
        Options o = Options.parse("latency");
        assertThat(o.getInt("count", 10000)).isEqualTo(10000);
        assertThat(o.get("path", "/tiny")).isEqualTo("/tiny");
        assertThat(o.has("resume")).isFalse();
        assertThatThrownBy(() -> o.require("target")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("missing --target");
    }

    @Test
    void negativeNumbersAreValues() {
        assertThat(Options.parse("rate", "--warmup", "-1").getInt("warmup", 0)).isEqualTo(-1);
    }

    @Test
    void wordsWhereAnOptionBelongsAndNoModeAreRefused() {
        assertThatThrownBy(() -> Options.parse("rate", "--count", "1", "stray"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("unexpected argument stray");
        assertThatThrownBy(() -> Options.parse("rate", "--")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(Options::parse).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Options.parse("--count", "1")).isInstanceOf(IllegalArgumentException.class);
    }
}
