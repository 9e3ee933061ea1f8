package io.tunnel.core.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.simple.SimpleLogger;
import org.apache.logging.log4j.util.PropertiesUtil;
import org.junit.jupiter.api.Test;

/** Per cause, the first event of an interval is admitted, the rest counted into one summary line. */
class RateLimitedLogTest {
    private enum Cause {
        GARBAGE, TIMEOUT;

        @Override
        public String toString() {
            return name().toLowerCase() + " events";
        }
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final RateLimitedLog<Cause> log = new RateLimitedLog<>(new SimpleLogger("test", Level.ALL, false, false,
            false, false, null, null, new PropertiesUtil(new Properties()),
            new PrintStream(out, true, StandardCharsets.UTF_8)), Level.WARN, Cause.class, Duration.ofSeconds(10));

    private List<String> lines() {
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        out.reset();
        return lines;
    }

    @Test
    void admitsTheFirstOfEachCausePerIntervalAndSummarizesTheRest() {
        assertThat(log.admit(Cause.GARBAGE)).isTrue();
        for (int i = 0; i < 999; i++) {
            assertThat(log.admit(Cause.GARBAGE)).isFalse();
        }
        assertThat(log.admit(Cause.TIMEOUT)).as("causes are limited apart").isTrue();

        log.reportSuppressed();
        assertThat(lines()).containsExactly(
                "WARN 999 more garbage events in the last 10 s (only the first of each interval is logged)");

        assertThat(log.admit(Cause.GARBAGE)).as("a new interval").isTrue();
        log.reportSuppressed();
        assertThat(lines()).as("nothing suppressed, nothing to say").isEmpty();
    }

    @Test
    void reportsOncePerIntervalOnTheExecutorGiven() {
        EmbeddedChannel loop = new EmbeddedChannel();
        loop.freezeTime();
        try {
            log.scheduleReports(loop.eventLoop());
            log.admit(Cause.TIMEOUT);
            log.admit(Cause.TIMEOUT);
            loop.advanceTimeBy(9, TimeUnit.SECONDS);
            loop.runScheduledPendingTasks();
            assertThat(lines()).isEmpty();

            loop.advanceTimeBy(1, TimeUnit.SECONDS);
            loop.runScheduledPendingTasks();
            assertThat(lines()).containsExactly(
                    "WARN 1 more timeout events in the last 10 s (only the first of each interval is logged)");
        } finally {
            loop.finishAndReleaseAll();
        }
    }
}
