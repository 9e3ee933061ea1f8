package io.tunnel.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Tests the leak check itself, so that it cannot silently do nothing: a buffer leaked on purpose must be reported
 * by {@link RecordingLeakDetector} and turned into a failure by {@link LeakCheckExtension}. The deliberate leak is
 * collected and cleared inside the test, so this class passes its own after-all check.
 */
class LeakCheckExtensionTest {

    @Test
    void detectorIsInstalledWithParanoidLevelAndExtensionIsAutodetected() {
        LeakCheckExtension.verifyNoLeaks(); // also makes sure the ByteBuf detector exists
        assertThat(RecordingLeakDetector.isInstalled())
                .as("Netty must instantiate RecordingLeakDetector (-Dio.netty.customResourceLeakDetector)")
                .isTrue();
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
        assertThat(LeakCheckExtension.appliedTo(LeakCheckExtensionTest.class))
                .as("LeakCheckExtension must be registered by junit.jupiter.extensions.autodetection.enabled")
                .isTrue();
    }

    @Test
    void deliberateLeakIsRecordedAndFailsTheCheck() {
        LeakCheckExtension.verifyNoLeaks(); // nothing left over from elsewhere may be blamed on this test
        String marker = "deliberate leak " + UUID.randomUUID();

        leakOneBuffer(marker);

        assertThatThrownBy(LeakCheckExtension::verifyNoLeaks)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("1 Netty resource leak(s) reported")
                .hasMessageContaining("LEAK: ByteBuf was not released")
                .hasMessageContaining(marker)
                .hasMessageContaining("leakOneBuffer");
        // The check clears what it reported: the leak fails one class, not every class after it.
        assertThat(RecordingLeakDetector.leaks()).isEmpty();
        assertThatCode(LeakCheckExtension::verifyNoLeaks).doesNotThrowAnyException();
    }

    @Test
    void releasedBuffersAreNotReported() {
        for (int i = 0; i < 100; i++) {
            ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(64);
            buf.writeLong(i);
            buf.touch("released properly");
            buf.release();
        }
        assertThat(LeakCheckExtension.detectLeaks()).isEmpty();
    }

    /** Allocates a tracked buffer and drops it unreleased; it becomes unreachable when this method returns. */
    private static void leakOneBuffer(String marker) {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(32);
        buf.writeBytes(new byte[] {1, 2, 3});
        buf.touch(marker);
    }
}
