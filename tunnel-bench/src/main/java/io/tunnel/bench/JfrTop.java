package io.tunnel.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises a JFR recording of scripts/bench as markdown: where the threads that were running Java spent their
 * samples (self frames, and the project's methods anywhere on the stack), which native methods non-idle threads sat in,
 * and samples per thread; or the throwables created per unit of work. Usage: {@code java -jar tunnel-bench.jar jfrtop
 * FILE [TITLE [N]]} or {@code jfrtop --exceptions FILE TITLE UNITS}.
 */
final class JfrTop {
    /** Native methods in which a thread waits for work rather than burns CPU. */
    private static final Set<String> IDLE_NATIVE = Set.of(
            "io.netty.channel.epoll.Native.epollWait", "io.netty.channel.epoll.Native.epollWait0",
            "io.netty.channel.epoll.Native.epollBusyWait0", "sun.nio.ch.EPoll.wait",
            "sun.nio.ch.Net.accept", "sun.nio.ch.SocketDispatcher.read0", "java.lang.Object.wait",
            "jdk.internal.misc.Unsafe.park", "java.lang.Thread.sleep", "sun.nio.ch.Net.poll",
            "java.lang.ref.Reference.waitForReferencePendingList", "java.lang.Object.wait0",
            "sun.nio.ch.ServerSocketChannelImpl.accept0", "sun.nio.ch.Net.connect0");

    private JfrTop() {
    }

    /** Prints the summary as markdown on stdout; returns the exit code. */
    static int run(String... args) throws IOException {
        if (args.length == 0 || (args[0].equals("--exceptions") && args.length != 4)) {
            System.err.println("usage: jfrtop FILE [TITLE [N]] | jfrtop --exceptions FILE TITLE UNITS");
            return 2;
        }
        if (args[0].equals("--exceptions")) {
            exceptions(Path.of(args[1]), args[2], Integer.parseInt(args[3]));
            return 0;
        }
        Path file = Path.of(args[0]);
        String title = args.length > 1 ? args[1] : file.getFileName().toString();
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> nativeTop = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        int javaSamples = 0;
        int nativeSamples = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            String type = e.getEventType().getName();
            boolean exec = type.equals("jdk.ExecutionSample");
            boolean nat = type.equals("jdk.NativeMethodSample");
            if (!exec && !nat) {
                continue;
            }
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty()) {
                continue;
            }
            List<RecordedFrame> frames = st.getFrames();
            String top = name(frames.get(0));
            if (nat && IDLE_NATIVE.contains(top)) {
                continue;
            }
            RecordedThread t = e.getThread("sampledThread");
            String tname = t == null ? "?" : t.getJavaName();
            threads.merge(tname, 1, Integer::sum);
            if (exec) {
                javaSamples++;
                self.merge(top, 1, Integer::sum);
            } else {
                nativeSamples++;
                nativeTop.merge(top, 1, Integer::sum);
            }
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (RecordedFrame f : frames) {
                String m = name(f);
                if (seen.add(m)) {
                    inclusive.merge(m, 1, Integer::sum);
                }
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("#### ").append(title).append("\n\n");
        out.append(String.format(Locale.ROOT, "%d Java samples (jdk.ExecutionSample), %d native samples outside idle "
                + "waits (jdk.NativeMethodSample).%n%n", javaSamples, nativeSamples));
        table(out, "Hot Java methods (self)", self, javaSamples, n);
        table(out, "Busy native methods (JNI: TLS, socket I/O)", nativeTop, nativeSamples, n);
        Map<String, Integer> ours = new HashMap<>();
        inclusive.forEach((k, v) -> {
            if (k.startsWith("io.tunnel.")) {
                ours.put(k, v);
            }
        });
        table(out, "Project methods anywhere on the stack (inclusive)", ours, javaSamples + nativeSamples, n);
        table(out, "Samples per thread", threads, javaSamples + nativeSamples, 8);
        System.out.print(out);
        return 0;
    }

    /** Throwables created during a recording (jdk.JavaExceptionThrow), per unit of work, by class and origin. */
    private static void exceptions(Path file, String title, int units) throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        int total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            if (!e.getEventType().getName().equals("jdk.JavaExceptionThrow")) {
                continue;
            }
            total++;
            String origin = "?";
            if (e.getStackTrace() != null) {
                for (RecordedFrame f : e.getStackTrace().getFrames()) {
                    String m = name(f);
                    if (!m.startsWith("java.lang.Throwable") && !m.startsWith("java.lang.Exception")
                            && !m.endsWith(".<init>") && !m.endsWith(".newInstance") && !m.contains("Errors.")
                            && !m.contains("newClosedChannelException") && !m.contains("ResourceLeakDetector")) {
                        origin = m;
                        break;
                    }
                }
            }
            counts.merge("`" + e.getClass("thrownClass").getName() + "` from `" + origin + "`", 1, Integer::sum);
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%s: %d throwables created for %d tunnels (%.1f per tunnel).%n%n",
                title, total, units, units == 0 ? 0.0 : (double) total / units));
        out.append("| throwable, where created | per tunnel |\n|---|---:|\n");
        List<Map.Entry<String, Integer>> list = new ArrayList<>(counts.entrySet());
        list.sort((x, y) -> y.getValue() - x.getValue());
        for (int i = 0; i < Math.min(12, list.size()); i++) {
            if (units > 0 && list.get(i).getValue() < units / 100) {
                break; // one in a hundred tunnels or fewer: not part of the per-tunnel path
            }
            out.append(String.format(Locale.ROOT, "| %s | %.2f |%n", list.get(i).getKey(),
                    units == 0 ? 0.0 : (double) list.get(i).getValue() / units));
        }
        out.append('\n');
        System.out.print(out);
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static void table(StringBuilder out, String title, Map<String, Integer> counts, int total, int n) {
        out.append("| ").append(title).append(" | samples | share |\n|---|---:|---:|\n");
        List<Map.Entry<String, Integer>> list = new ArrayList<>(counts.entrySet());
        list.sort((a, b) -> b.getValue() - a.getValue());
        for (int i = 0; i < Math.min(n, list.size()); i++) {
            Map.Entry<String, Integer> e = list.get(i);
            out.append(String.format(Locale.ROOT, "| `%s` | %d | %.1f %% |%n", e.getKey(), e.getValue(),
                    total == 0 ? 0 : 100.0 * e.getValue() / total));
        }
        out.append('\n');
    }
}
