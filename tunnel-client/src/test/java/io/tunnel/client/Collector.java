package io.tunnel.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A test's handler on a tunnel channel: keeps what it reads (as a copy, releasing the buffer) and the end. */
final class Collector extends ChannelInboundHandlerAdapter {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean inputShutdown;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            synchronized (bytes) {
                buf.readBytes(bytes, buf.readableBytes());
                bytes.notifyAll();
            }
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        } finally {
            buf.release();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            inputShutdown = true;
            ended.countDown();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ended.countDown();
    }

    String text() {
        synchronized (bytes) {
            return bytes.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** Waits until exactly {@code expected} was read, at most {@code timeout}; fails otherwise. */
    void awaitText(String expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (bytes) {
            while (!text().equals(expected)) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || text().length() > expected.length()) {
                    throw new AssertionError("expected '" + expected + "' but read '" + text() + "'");
                }
                bytes.wait(left);
            }
        }
    }

    boolean inputShutdown() {
        return inputShutdown;
    }

    /** Waits for the end of input (or close), at most {@code timeout}. */
    boolean awaitEnd(Duration timeout) throws InterruptedException {
        return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
