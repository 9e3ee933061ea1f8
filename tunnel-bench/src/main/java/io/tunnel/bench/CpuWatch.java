package io.tunnel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time of the processes named by {@code --watch name=pid,...} and of the whole machine, read from /proc around a
 * measured run only (not its warm-up), so that CPU per tunnel covers what was measured.
 */
final class CpuWatch {
    private static final String MACHINE = "_machine";

    private final Map<String, String> pids = new LinkedHashMap<>();
    private final double clockTicksPerSecond;
    private final Output out;

    /**
     * @param watch               {@code name=pid,...}, possibly empty
     * @param clockTicksPerSecond the kernel's {@code CLK_TCK}
     */
    CpuWatch(String watch, double clockTicksPerSecond, Output out) {
        for (String item : watch.isEmpty() ? new String[0] : watch.split(",")) {
            int eq = item.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--watch wants name=pid, not " + item);
            }
            pids.put(item.substring(0, eq), item.substring(eq + 1));
        }
        this.clockTicksPerSecond = clockTicksPerSecond;
        this.out = out;
    }

    /** Ticks now: per process {utime + stime, stime}, and for the machine {busy, total}. */
    Map<String, long[]> snapshot() {
        Map<String, long[]> snap = new LinkedHashMap<>();
        pids.forEach((name, pid) -> {
            if (pid.isEmpty()) {
                out.log("no pid to watch for " + name);
                return;
            }
            try {
                snap.put(name, processTicks(Files.readString(Path.of("/proc", pid, "stat"))));
            } catch (IOException | RuntimeException e) {
                out.log("cannot read /proc/" + pid + "/stat: " + e);
            }
        });
        try {
            snap.put(MACHINE, machineTicks(Files.readAllLines(Path.of("/proc/stat")).get(0)));
        } catch (IOException | RuntimeException e) {
            out.log("cannot read /proc/stat: " + e);
        }
        return snap;
    }

    /** Results {@code cpu_s.NAME}, {@code sys_s.NAME} and {@code machine_busy_pct} between two snapshots. */
    void results(Map<String, long[]> before, Map<String, long[]> after) {
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.get(e.getKey());
            if (b == null) {
                continue;
            }
            long[] a = e.getValue();
            if (e.getKey().equals(MACHINE)) {
                long total = a[1] - b[1];
                out.result("machine_busy_pct", total == 0 ? 0.0 : 100.0 * (a[0] - b[0]) / total);
            } else {
                out.result("cpu_s." + e.getKey(), (a[0] - b[0]) / clockTicksPerSecond);
                out.result("sys_s." + e.getKey(), (a[1] - b[1]) / clockTicksPerSecond);
            }
        }
    }

    /**
     * {utime + stime, stime} of a {@code /proc/PID/stat} line. The command name in parentheses may hold spaces and
     * parentheses itself: the fields are counted from the last {@code ')'}.
     */
    static long[] processTicks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        long utime = Long.parseLong(f[11]);
        long stime = Long.parseLong(f[12]);
        return new long[] {utime + stime, stime};
    }

    /**
     * {busy, total} of the {@code cpu} line of /proc/stat: the first eight counters (user nice system idle iowait irq
     * softirq steal), busy being all but idle and iowait.
     */
    static long[] machineTicks(String cpuLine) {
        String[] cpu = cpuLine.trim().split("\\s+");
        long busy = 0;
        long total = 0;
        for (int i = 1; i <= 8 && i < cpu.length; i++) {
            long v = Long.parseLong(cpu[i]);
            total += v;
            if (i != 4 && i != 5) {
                busy += v;
            }
        }
        return new long[] {busy, total};
    }
}
