package io.tunnel.core.link;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link ReceiveFlow} alone: credit, updates at half a window, growth within the link's budget, CLOSE. */
class ReceiveFlowTest {
    private static final int WINDOW = 64 * 1024;
    private static final long INTERVAL = 100;

    private final WindowGrowthBudget budget = new WindowGrowthBudget(LinkConstants.LINK_WINDOW_GROWTH_BUDGET);

    @Test
    void dataBeyondTheCreditIsRefusedAndNotCounted() {
        ReceiveFlow flow = new ReceiveFlow(WINDOW, budget, 0);
        assertThat(flow.onData(WINDOW)).isTrue();
        assertThat(flow.onData(1)).isFalse();
        assertThat(flow.bytes()).isEqualTo(WINDOW);
    }

    @Test
    void creditComesBackOnlyOnceHalfTheWindowReachedTheSocket() {
        ReceiveFlow flow = new ReceiveFlow(WINDOW, budget, 0);
        flow.onData(WINDOW);
        flow.writeDone();
        assertThat(flow.acknowledge(WINDOW / 2 - 1, 1_000, INTERVAL)).isZero();
        assertThat(flow.acknowledge(1, 1_000, INTERVAL)).as("slow drain: no growth").isEqualTo(WINDOW / 2);
        assertThat(flow.window()).isEqualTo(WINDOW);
        assertThat(flow.onData(WINDOW / 2)).isTrue();
        assertThat(flow.onData(1)).isFalse();
    }

    @Test
    void aWindowThatDrainsWithinTheIntervalDoublesUpToTheCapAndGivesItBack() {
        ReceiveFlow flow = new ReceiveFlow(WINDOW, budget, 0);
        long now = 0;
        int increment = 0;
        while (flow.window() < LinkConstants.MAX_STREAM_WINDOW) {
            int half = flow.window() / 2;
            assertThat(flow.onData(half)).isTrue();
            flow.writeDone();
            now += INTERVAL / 2;
            increment = flow.acknowledge(half, now, INTERVAL);
        }
        assertThat(flow.window()).isEqualTo(LinkConstants.MAX_STREAM_WINDOW);
        assertThat(increment).isEqualTo(LinkConstants.MAX_STREAM_WINDOW / 4 + LinkConstants.MAX_STREAM_WINDOW / 2);
        assertThat(budget.used()).isEqualTo(LinkConstants.MAX_STREAM_WINDOW - WINDOW);

        flow.release();
        assertThat(budget.used()).isZero();
        flow.release();
        assertThat(budget.used()).as("given back once").isZero();
    }

    @Test
    void growthStopsWhereTheLinksBudgetEnds() {
        budget.limit(WINDOW);
        ReceiveFlow first = new ReceiveFlow(WINDOW, budget, 0);
        ReceiveFlow second = new ReceiveFlow(WINDOW, budget, 0);
        drainHalf(first);
        drainHalf(second);

        assertThat(first.window()).isEqualTo(2 * WINDOW);
        assertThat(second.window()).as("the budget is spent").isEqualTo(WINDOW);
    }

    private static void drainHalf(ReceiveFlow flow) {
        flow.onData(WINDOW / 2);
        flow.writeDone();
        flow.acknowledge(WINDOW / 2, 1, INTERVAL);
    }

    @Test
    void afterClosingThePeerGetsNoMoreCreditAndTheOutputShutsOnceEverythingIsWritten() {
        ReceiveFlow flow = new ReceiveFlow(WINDOW, budget, 0);
        flow.onData(WINDOW);
        assertThat(flow.onClose()).isTrue();
        assertThat(flow.onClose()).as("a second CLOSE").isFalse();
        assertThat(flow.shouldShutdownOutput()).as("a write is in flight").isFalse();

        flow.writeDone();
        assertThat(flow.acknowledge(WINDOW, 1, INTERVAL)).isZero();
        assertThat(flow.shouldShutdownOutput()).isTrue();
        flow.outputShut();
        assertThat(flow.shouldShutdownOutput()).isFalse();
        assertThat(flow.isOutputShut()).isTrue();
    }
}
