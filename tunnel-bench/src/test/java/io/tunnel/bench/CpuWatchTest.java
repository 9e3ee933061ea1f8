package io.tunnel.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuWatchTest {

    @Test
    void processTicksCountFieldsFromTheLastParenthesis() {
        // comm may hold spaces and parentheses; utime and stime are fields 14 and 15 of the line.
        String stat = "4242 (java (a) b) S 1 4242 4242 0 -1 4194560 12345 0 0 0 700 55 0 0 20 0 31 0 100 0 0\n";
        assertThat(CpuWatch.processTicks(stat)).containsExactly(755, 55);
    }

    @Test
    void machineTicksAreBusyAndTotalOfTheFirstEightCounters() {
        String cpu = "cpu  100 5 50 1000 20 3 2 1 0 0";
        // busy: user nice system irq softirq steal = 100+5+50+3+2+1; total adds idle 1000 and iowait 20
        assertThat(CpuWatch.machineTicks(cpu)).containsExactly(161, 1181);
    }

    @Test
    void resultsAreTheDifferencesInSecondsAndPercent() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        CpuWatch watch = new CpuWatch("server=1", 100, new Output("rate.x", stream, stream));
        watch.results(Map.of("server", new long[] {100, 10}, "_machine", new long[] {0, 0}),
                Map.of("server", new long[] {350, 60}, "_machine", new long[] {50, 200}));
        assertThat(bytes.toString(StandardCharsets.UTF_8).lines()).containsExactlyInAnyOrder(
                "RESULT rate.x.cpu_s.server\t2.500", "RESULT rate.x.sys_s.server\t0.500",
                "RESULT rate.x.machine_busy_pct\t25.000");
    }

    @Test
    void watchWantsNamePidPairs() {
        Output out = new Output("t", System.out, System.err);
        assertThatThrownBy(() -> new CpuWatch("server", 100, out)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new CpuWatch("", 100, out).snapshot()).containsOnlyKeys("_machine");
    }
}
