package io.tunnel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing of the bench's results file (key TAB value) and the look-ups the report makes in it. */
class ResultsTest {

    @Test
    void linesAreKeyTabValueAndTheLastValueOfAKeyWins() {
        Results r = Results.parse(List.of(
                "meta.java\topenjdk version \"17.0.15\" 2025-04-15 OpenJDK Runtime",
                "rate.direct.ok\t2000",
                "no tab here",
                "\tno key",
                "rate.direct.ok\t1999",
                "meta.params\trepeat=1\trate_count=2000"));
        assertThat(r.get("meta.java")).isEqualTo("openjdk version \"17.0.15\" 2025-04-15 OpenJDK Runtime");
        assertThat(r.num("rate.direct.ok")).isEqualTo(1999.0);
        assertThat(r.get("meta.params")).as("only the first tab separates").isEqualTo("repeat=1\trate_count=2000");
        assertThat(r.all()).containsOnlyKeys("meta.java", "rate.direct.ok", "meta.params");
        assertThat(r.all().keySet()).containsExactly("meta.java", "rate.direct.ok", "meta.params");
    }

    @Test
    void missingEmptyAndNonNumericValues() {
        Results r = Results.parse(List.of("a\t", "b\tabsent", "c\t-1.5e3", "d\t 12 "));
        assertThat(r.get("missing")).isEmpty();
        assertThat(r.has("a")).isTrue();
        assertThat(r.num("a")).isNull();
        assertThat(r.num("b")).isNull();
        assertThat(r.num("missing")).isNull();
        assertThat(r.num("c")).isEqualTo(-1500.0);
        assertThat(r.num("d")).isEqualTo(12.0);
    }

    @Test
    void runsAreCountedFromOneUntilTheFirstRunThatDidNotHappen() {
        Results r = Results.parse(List.of(
                "tp.direct.run1.bytes\t100", "tp.direct.run1.bytes_per_second\t10",
                "tp.direct.run2.bytes\t100", "tp.direct.run2.bytes_per_second\t",
                "tp.direct.run3.bytes\t100", "tp.direct.run3.bytes_per_second\t30",
                "tp.direct.run5.bytes\t100", "tp.direct.run5.bytes_per_second\t50"));
        assertThat(r.runs("tp.direct.run", ".bytes_per_second")).as("run 2 has no figure, run 4 never ran")
                .containsExactly(10, 30);
        assertThat(r.sumRuns("tp.direct.run", ".bytes")).isEqualTo(300);
        assertThat(r.runs("tp.tinyproxy.run", ".bytes_per_second")).isEmpty();
    }

    @Test
    void idleCountsAreTheStreamCountsAboveZeroAscending() {
        Results r = Results.parse(List.of(
                "idle.tunnel_mtls.0.server_rss_kb\t1", "idle.tunnel_mtls.10000.server_rss_kb\t3",
                "idle.tunnel_mtls.1000.server_rss_kb\t2", "idle.tunnel_mtls.1000.agent_rss_kb\t2",
                "idle.tunnel_plain.200.server_rss_kb\t2",
                "idle.tinyproxy.0.rss_kb\t1", "idle.tinyproxy.1000.rss_kb\t5"));
        assertThat(r.idleCounts("tunnel_mtls")).containsExactly(1000, 10000);
        assertThat(r.idleCounts("tunnel_plain")).containsExactly(200);
        assertThat(r.idleCounts("tinyproxy")).isEmpty();
        assertThat(r.firstIdle("tinyproxy")).isEqualTo("1000");
        assertThat(r.firstIdle("direct")).isNull();
    }
}
