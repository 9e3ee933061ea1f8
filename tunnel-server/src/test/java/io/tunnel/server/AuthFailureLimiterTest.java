package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Failed authentications per source: a few at once, then as many per minute. */
class AuthFailureLimiterTest {
    private long now = 1_000;
    private final AuthFailureLimiter limiter = new AuthFailureLimiter(3, () -> now);

    private static Object source(String ip) throws Exception {
        return AuthFailureLimiter.sourceOf(new InetSocketAddress(InetAddress.getByName(ip), 40000));
    }

    @Test
    void aSourceIsLimitedAfterItsFailuresAndFreeAgainAsTheyAreForgiven() throws Exception {
        Object a = source("192.0.2.1");
        Object b = source("192.0.2.2");
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.isLimited(a)).as("after %d failures", i).isFalse();
            limiter.failed(a);
        }
        assertThat(limiter.isLimited(a)).isTrue();
        assertThat(limiter.isLimited(b)).as("another source").isFalse();

        now += TimeUnit.SECONDS.toNanos(19);
        assertThat(limiter.isLimited(a)).as("3 per minute: one is forgiven after 20 s").isTrue();
        now += TimeUnit.SECONDS.toNanos(1);
        assertThat(limiter.isLimited(a)).isFalse();
        limiter.failed(a);
        assertThat(limiter.isLimited(a)).as("and used up again").isTrue();

        now += TimeUnit.MINUTES.toNanos(5);
        assertThat(limiter.isLimited(a)).isFalse();
        assertThat(limiter.size()).as("a source with every failure forgiven is forgotten").isZero();
    }

    @Test
    void anIpv6SourceIsItsSlash64AndEveryLocalClientIsOne() throws Exception {
        assertThat(source("2001:db8:1:2::7")).isEqualTo(source("2001:db8:1:2:ffff::1"));
        assertThat(source("2001:db8:1:2::7")).isNotEqualTo(source("2001:db8:1:3::7"));
        assertThat(source("192.0.2.1")).isNotEqualTo(source("192.0.2.2"));
        assertThat(AuthFailureLimiter.sourceOf(new DomainSocketAddress("/run/a.sock")))
                .isEqualTo(AuthFailureLimiter.sourceOf(new DomainSocketAddress("/run/b.sock")));
        assertThat(AuthFailureLimiter.sourceOf(null)).isEqualTo(AuthFailureLimiter.sourceOf(
                new DomainSocketAddress("/run/a.sock")));
    }

    @Test
    void atMostSoManySourcesAreRememberedTheLeastRecentForgottenFirst() throws Exception {
        Object first = source("10.0.0.0");
        limiter.failed(first);
        limiter.failed(first);
        limiter.failed(first);
        for (int i = 1; i <= AuthFailureLimiter.MAX_SOURCES; i++) {
            limiter.failed(source("10.1." + (i >> 8) + "." + (i & 0xff)));
        }
        assertThat(limiter.size()).isEqualTo(AuthFailureLimiter.MAX_SOURCES);
        assertThat(limiter.isLimited(first)).as("forgotten").isFalse();
    }

    @Test
    void zeroMeansNoLimit() throws Exception {
        AuthFailureLimiter off = new AuthFailureLimiter(0, () -> now);
        Object a = source("192.0.2.1");
        for (int i = 0; i < 100; i++) {
            off.failed(a);
        }
        assertThat(off.isLimited(a)).isFalse();
        assertThat(off.size()).isZero();
    }
}
