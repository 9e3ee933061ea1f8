package io.tunnel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's server set and sync loop, with dialling faked and the control loop's clock in the test's hands
 * (--sync-interval 1 s, --sync-interval-cap 4 s, no jitter).
 */
class ServerSetTest {
    private static final ServerAddress LB = new ServerAddress("lb.example", 8091);

    private final EmbeddedChannel loop = new EmbeddedChannel();
    private final List<Attempt> attempts = new ArrayList<>();
    private ServerSet set;

    /** One link attempt the set made. */
    private record Attempt(ServerAddress address, AgentLinks connection) {
        FakeLink establish(String serverId, int serverCount) {
            FakeLink link = new FakeLink(serverId, serverCount);
            connection.established(link);
            return link;
        }
    }

    /** A link that records what the set tells it. */
    private static final class FakeLink implements ServerSet.Link {
        private final String serverId;
        private final int serverCount;
        private final List<String> goAways = new ArrayList<>();

        FakeLink(String serverId, int serverCount) {
            this.serverId = serverId;
            this.serverCount = serverCount;
        }

        @Override
        public String serverId() {
            return serverId;
        }

        @Override
        public int serverCount() {
            return serverCount;
        }

        @Override
        public String linkId() {
            return "link-" + serverId;
        }

        @Override
        public String remoteAddress() {
            return "/127.0.0.1:8091";
        }

        @Override
        public void goAway(String reason) {
            goAways.add(reason);
        }

        @Override
        public long unwrittenBytes() {
            return 0;
        }

        @Override
        public long unsentBytes() {
            return 0;
        }
    }

    private void start(boolean syncForever, ServerAddress... addresses) {
        loop.freezeTime();
        set = new ServerSet(loop.eventLoop(), addresses.length == 0 ? List.of(LB) : List.of(addresses),
                (address, connection) -> attempts.add(new Attempt(address, connection)),
                new SyncBackoff(1_000, 4_000, () -> 0), syncForever,
                Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC));
        set.start();
        run();
    }

    @AfterEach
    void close() {
        loop.finishAndReleaseAll();
    }

    private void run() {
        loop.runPendingTasks();
    }

    private void advance(long millis) {
        loop.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        run();
    }

    private Attempt last() {
        return attempts.get(attempts.size() - 1);
    }

    /** Lets time pass in steps of 250 ms until the set makes its next attempt; returns how long that took. */
    private long untilNextAttempt() {
        int before = attempts.size();
        long waited = 0;
        while (attempts.size() == before) {
            advance(250);
            waited += 250;
        }
        return waited;
    }

    @Test
    void dialsAtOnceAndRestsOnceItHoldsTheOneServerThereIs() {
        start(false);
        assertThat(attempts).singleElement().extracting(Attempt::address).isEqualTo(LB);
        assertThat(set.isReady()).isFalse();

        last().establish("s1", 1);
        run();
        assertThat(set.isReady()).isTrue();
        assertThat(set.activeLinks()).isEqualTo(1);

        advance(60_000);
        assertThat(attempts).as("the count is reached: no more dialling").hasSize(1);
    }

    @Test
    void dialsUntilItHoldsALinkToEachServerAndClosesDuplicatesPolitely() {
        start(false);
        FakeLink first = last().establish("s1", 2);
        run();
        assertThat(set.serverCount()).isEqualTo(2);

        advance(999);
        assertThat(attempts).hasSize(1);
        advance(1);
        assertThat(attempts).as("next attempt after --sync-interval").hasSize(2);
        FakeLink again = last().establish("s1", 2);
        run();
        assertThat(again.goAways).singleElement().asString().contains("duplicate", "s1");
        assertThat(first.goAways).isEmpty();
        assertThat(set.activeLinks()).isEqualTo(1);
        assertThat(set.links()).extracting(ServerSet.LinkStatus::state)
                .containsExactly(ServerSet.State.ACTIVE, ServerSet.State.DUPLICATE);

        advance(1_000);
        assertThat(attempts).as("below the count, a duplicate does not slow the loop down").hasSize(3);
        last().establish("s2", 2);
        run();
        assertThat(set.activeLinks()).isEqualTo(2);
        assertThat(set.links()).extracting(ServerSet.LinkStatus::serverId).containsExactly("s1", "s2", "s1");

        advance(60_000);
        assertThat(attempts).hasSize(3);
    }

    @Test
    void failuresBackOffByHalfUpToTheCapAndASuccessResetsTheDelay() {
        start(false);
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            last().connection().closed("cannot connect: refused");
            run();
            delays.add(untilNextAttempt());
        }
        assertThat(delays).containsExactly(1_000L, 1_500L, 2_250L, 3_500L, 4_000L);

        last().establish("s1", 2);
        run();
        advance(1_000);
        assertThat(attempts).as("after a success, --sync-interval again").hasSize(7);
    }

    @Test
    void aLostLinkIsDialledAgainAfterTheFirstDelay() {
        start(false);
        Attempt a = last();
        a.establish("s1", 2);
        run();
        advance(1_000);
        last().establish("s2", 2);
        run();
        advance(60_000);
        assertThat(attempts).hasSize(2);

        a.connection().closed("connection closed");
        run();
        assertThat(set.activeLinks()).isEqualTo(1);
        assertThat(set.serverCount()).as("the aim stays while another server says so").isEqualTo(2);
        advance(1_000);
        assertThat(attempts).hasSize(3);
        last().establish("s1-successor", 2);
        run();
        assertThat(set.activeLinks()).isEqualTo(2);
    }

    @Test
    void aServerThatSaysGoAwayNoLongerCountsButItsLinkStaysUntilItCloses() {
        start(false);
        Attempt a = last();
        a.establish("s1", 1);
        run();
        a.connection().serverGoingAway();
        run();
        assertThat(set.activeLinks()).isZero();
        assertThat(set.isReady()).isFalse();
        assertThat(set.links()).singleElement().extracting(ServerSet.LinkStatus::state)
                .isEqualTo(ServerSet.State.SERVER_GOING_AWAY);

        advance(1_000);
        assertThat(attempts).as("its successor is dialled").hasSize(2);
        last().establish("s1-successor", 1);
        run();
        assertThat(set.isReady()).isTrue();

        a.connection().closed("connection closed");
        run();
        assertThat(set.links()).extracting(ServerSet.LinkStatus::serverId).containsExactly("s1-successor");
        advance(60_000);
        assertThat(attempts).as("a drained link's close is no loss").hasSize(2);
    }

    @Test
    void theAimIsTheHighestCountAmongTheServersLinked() {
        start(false);
        Attempt a = last();
        a.establish("s1", 3);
        run();
        advance(1_000);
        last().establish("s2", 2);
        run();
        assertThat(set.serverCount()).isEqualTo(3);

        a.connection().serverGoingAway();
        run();
        assertThat(set.serverCount()).as("the server that said 3 left; the one linked says 2").isEqualTo(2);
    }

    @Test
    void aServerCountIsBounded() {
        start(false);
        last().establish("s1", Integer.MAX_VALUE);
        run();
        assertThat(set.serverCount()).isEqualTo(ServerSet.MAX_SERVER_COUNT);
    }

    @Test
    void withSyncForeverItKeepsDiallingAndBacksOffOnDuplicates() {
        start(true);
        last().establish("s1", 1);
        run();
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            delays.add(untilNextAttempt());
            last().establish("s1", 1);
            run();
        }
        assertThat(delays).containsExactly(1_000L, 1_000L, 1_500L, 2_250L);

        last().establish("s2", 1);
        run();
        assertThat(set.activeLinks()).as("a server that appeared later is found").isEqualTo(2);
    }

    @Test
    void severalAddressesAreDialledInTurn() {
        ServerAddress a = new ServerAddress("a.example", 8091);
        ServerAddress b = new ServerAddress("b.example", 8091);
        start(false, a, b);
        last().connection().closed("refused");
        run();
        advance(1_000);
        last().connection().closed("refused");
        run();
        advance(1_500);
        assertThat(attempts).extracting(Attempt::address).containsExactly(a, b, a);
    }

    @Test
    void drainStopsDiallingSaysGoAwayOnEveryLinkAndEndsWhenTheyHaveClosed() {
        start(false);
        Attempt a = last();
        FakeLink s1 = a.establish("s1", 3);
        run();
        advance(1_000);
        Attempt b = last();
        FakeLink dup = b.establish("s1", 3);
        run();
        advance(1_000);
        Attempt c = last();

        CompletableFuture<Void> drained = set.drain();
        run();
        assertThat(set.isReady()).isFalse();
        assertThat(s1.goAways).containsExactly("agent shutting down");
        assertThat(dup.goAways).hasSize(2);

        FakeLink late = c.establish("s2", 3);
        run();
        assertThat(late.goAways).as("established while draining").containsExactly("agent shutting down");
        advance(60_000);
        assertThat(attempts).hasSize(3);

        a.connection().closed("connection closed");
        b.connection().closed("connection closed");
        run();
        assertThat(drained).isNotDone();
        c.connection().closed("connection closed");
        run();
        assertThat(drained).isDone();
    }

    @Test
    void drainWithoutALinkEndsAtOnce() {
        start(false);
        CompletableFuture<Void> drained = set.drain();
        run();
        assertThat(drained).isDone();
    }
}
