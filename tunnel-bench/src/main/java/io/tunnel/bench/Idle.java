package io.tunnel.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code idle}: many open tunnels that carry nothing. For each of {@code --counts} it opens tunnels up to that many,
 * prints {@code READY <n> <open>} and holds them until scripts/bench (which measures the processes meanwhile)
 * creates {@code <control-dir>/go.<n>}, or {@code --max-hold-seconds} pass.
 */
final class Idle {
    /** Bound on opening one count's tunnels. */
    private static final long OPEN_NANOS = TimeUnit.SECONDS.toNanos(120);
    /** How often the control directory is looked at while holding. */
    private static final long POLL_MILLIS = 50;

    private Idle() {
    }

    static int run(Target target, Options opts, Output out) throws Exception {
        int[] counts = Arrays.stream(opts.get("counts", "1000").split(",")).mapToInt(Integer::parseInt)
                .toArray();
        int concurrency = opts.getInt("concurrency", 200);
        Path control = Path.of(opts.require("control-dir"));
        long maxHold = (long) (opts.getDouble("max-hold-seconds", 300) * 1e9);
        List<Conn> conns = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger failed = new AtomicInteger();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        try {
            for (int n : counts) {
                int need = n - conns.size();
                long start = System.nanoTime();
                AtomicInteger launched = new AtomicInteger();
                CountDownLatch slots = new CountDownLatch(concurrency);
                long deadline = System.nanoTime() + OPEN_NANOS;
                Runnable[] slot = new Runnable[1];
                slot[0] = () -> {
                    if (launched.getAndIncrement() >= need || System.nanoTime() > deadline) {
                        slots.countDown();
                        return;
                    }
                    Conn c = new IdleConn(target);
                    c.opened.whenComplete((x, t) -> {
                        if (t == null) {
                            conns.add(c);
                        } else {
                            failed.incrementAndGet();
                            if (errors.size() < 5) {
                                errors.add(String.valueOf(t));
                            }
                        }
                        slot[0].run();
                    });
                    target.connect(c, null);
                };
                for (int i = 0; i < concurrency; i++) {
                    slot[0].run();
                }
                slots.await(OPEN_NANOS + TimeUnit.SECONDS.toNanos(30), TimeUnit.NANOSECONDS);
                double seconds = (System.nanoTime() - start) / 1e9;
                long alive = alive(conns);
                out.result(n + ".opened", alive);
                out.result(n + ".failed", failed.get());
                out.result(n + ".open_seconds", seconds);
                for (String e : errors) {
                    out.log("error: " + e);
                }
                errors.clear();
                out.line("READY " + n + " " + alive);
                Path go = control.resolve("go." + n);
                out.log("holding " + alive + " open tunnels; waiting for " + go);
                long holdStart = System.nanoTime();
                while (!Files.exists(go) && System.nanoTime() - holdStart < maxHold) {
                    Thread.sleep(POLL_MILLIS); // bounded poll of a file another process creates
                }
                out.result(n + ".alive_after_hold", alive(conns));
            }
        } finally {
            synchronized (conns) {
                for (Conn c : conns) {
                    c.channel.close();
                }
            }
            for (Conn c : conns) {
                c.closed.get(10, TimeUnit.SECONDS);
            }
        }
        return 0;
    }

    private static long alive(List<Conn> conns) {
        synchronized (conns) {
            return conns.stream().filter(c -> c.channel.isActive()).count();
        }
    }

    /** A tunnel that only stays open. */
    static final class IdleConn extends Conn {
        IdleConn(Target target) {
            super(target);
        }
    }
}
