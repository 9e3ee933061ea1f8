package io.tunnel.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpReaderTest {
    private static final String OK = "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 3\r\n\r\nok\n";

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    @Test
    void everySplitOfTwoResponsesReadsBoth() {
        String two = OK + "HTTP/1.1 404 Not Found\r\ncontent-length: 5\r\n\r\nnope\n";
        byte[] bytes = two.getBytes(StandardCharsets.ISO_8859_1);
        for (int split = 0; split <= bytes.length; split++) {
            HttpReader reader = new HttpReader();
            List<Integer> statuses = new ArrayList<>();
            ByteBuf first = Unpooled.buffer(split + 1).writeBytes(bytes, 0, split);
            ByteBuf second = Unpooled.buffer(bytes.length - split + 1).writeBytes(bytes, split, bytes.length - split);
            reader.feed(first, () -> statuses.add(reader.lastStatus()));
            reader.feed(second, () -> statuses.add(reader.lastStatus()));
            assertThat(statuses).as("split at %d", split).containsExactly(200, 404);
            assertThat(reader.bodyBytes.get()).isEqualTo(8);
            assertThat(first.refCnt()).isZero();
            assertThat(second.refCnt()).isZero();
        }
    }

    @Test
    void aResponseWithoutBodyIsCompleteAtItsHead() {
        HttpReader reader = new HttpReader();
        int[] done = new int[1];
        reader.feed(ascii("HTTP/1.1 204 No Content\r\n\r\n"), () -> done[0]++);
        assertThat(done[0]).isEqualTo(1);
        assertThat(reader.lastStatus()).isEqualTo(204);
    }

    @Test
    void aLargeBodyIsCountedNotKept() {
        HttpReader reader = new HttpReader();
        int[] done = new int[1];
        reader.feed(ascii("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"), () -> done[0]++);
        for (int i = 0; i < 10; i++) {
            reader.feed(Unpooled.wrappedBuffer(new byte[10_000]), () -> done[0]++);
            assertThat(done[0]).isEqualTo(i == 9 ? 1 : 0);
        }
        assertThat(reader.bodyBytes.get()).isEqualTo(100_000);
    }

    @Test
    void anEndlessHeadFailsAndTheBufferIsStillReleased() {
        HttpReader reader = new HttpReader();
        ByteBuf endless = ascii("HTTP/1.1 200 OK\r\nX: " + "a".repeat(HttpReader.MAX_HEAD));
        assertThatThrownBy(() -> reader.feed(endless, () -> { })).isInstanceOf(IllegalStateException.class);
        assertThat(endless.refCnt()).isZero();
    }
}
