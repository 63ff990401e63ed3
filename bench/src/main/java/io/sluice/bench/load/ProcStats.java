package io.sluice.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What Linux says about a process: CPU time from {@code /proc/<pid>/stat} (utime + stime, all threads; the JIT
 * compiler threads' share from {@code /proc/<pid>/task}), resident
 * memory from {@code /proc/<pid>/status}, open files and their limit. Heap figures come from the JVM itself via
 * {@code jcmd} and {@code jstat}.
 */
final class ProcStats {
    private static final long CLOCK_TICKS = clockTicks();

    private ProcStats() {
    }

    /**
     * CPU seconds a process has used so far, all threads: in user space, in the kernel on its behalf, and (part of
     * those) in the JVM's JIT compiler threads, 0 for a process that has none.
     */
    record Cpu(double user, double system, double jit) {
        double total() {
            return user + system;
        }

        Cpu minus(Cpu earlier) {
            return new Cpu(user - earlier.user, system - earlier.system, jit - earlier.jit);
        }
    }

    /** User and system CPU seconds the process has used so far, and those of its JIT compiler threads. */
    static Cpu cpu(long pid) {
        long[] all = ticks(Path.of("/proc", Long.toString(pid), "stat"));
        long jit = 0;
        // HotSpot names its compiler threads "C1 CompilerThreadN" and "C2 CompilerThreadN" (comm keeps 15 chars).
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String comm = Files.readString(task.resolve("comm")).trim();
                    if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
                        long[] t = ticks(task.resolve("stat"));
                        jit += t[0] + t[1];
                    }
                } catch (IOException e) {
                    // The thread ended between listing and reading: its time is in the process's total.
                }
            }
        } catch (IOException e) {
            throw new HarnessException("cannot list the threads of pid " + pid + ": " + e.getMessage(), e);
        }
        return new Cpu(all[0] / (double) CLOCK_TICKS, all[1] / (double) CLOCK_TICKS, jit / (double) CLOCK_TICKS);
    }

    /** utime and stime, in clock ticks, from a {@code stat} file of a process or thread. */
    private static long[] ticks(Path statFile) {
        String stat = read(statFile);
        // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])}; // fields 14 and 15
    }

    /**
     * The machine's CPU time so far, in clock ticks summed over all CPUs: all of it, and the part stolen by the
     * hypervisor (the {@code steal} column of {@code /proc/stat}: time this guest's CPUs were ready to run but the
     * host ran something else). On a shared virtual machine steal is what makes one run incomparable with another.
     */
    record MachineCpu(long total, long steal) {
        MachineCpu minus(MachineCpu earlier) {
            return new MachineCpu(total - earlier.total, steal - earlier.steal);
        }

        /** Steal as a share of all CPU time, 0 to 1 (0 when no time passed). */
        double stealShare() {
            return total <= 0 ? 0 : steal / (double) total;
        }
    }

    static MachineCpu machineCpu() {
        String first = read(Path.of("/proc/stat")).lines().findFirst().orElse("");
        return parseMachineCpu(first);
    }

    /** The aggregate {@code cpu} line of {@code /proc/stat}: user nice system idle iowait irq softirq steal .... */
    static MachineCpu parseMachineCpu(String cpuLine) {
        String[] f = cpuLine.trim().split("\\s+");
        if (f.length < 9 || !f[0].equals("cpu")) {
            throw new HarnessException("unexpected first line of /proc/stat: " + cpuLine);
        }
        long total = 0;
        // guest and guest_nice (fields 10 and 11) are already counted in user and nice.
        for (int i = 1; i < Math.min(f.length, 9); i++) {
            total += Long.parseLong(f[i]);
        }
        return new MachineCpu(total, Long.parseLong(f[8]));
    }

    /** Resident set size in KiB (VmRSS). */
    static long rssKib(long pid) {
        for (String line : read(Path.of("/proc", Long.toString(pid), "status")).split("\n")) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new HarnessException("no VmRSS for pid " + pid);
    }

    static int openFiles(long pid) {
        try (var s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return (int) s.count();
        } catch (IOException e) {
            throw new HarnessException("cannot list fds of pid " + pid + ": " + e.getMessage(), e);
        }
    }

    /** The soft limit on open files ({@code ulimit -n}) the process runs with. */
    static long maxOpenFiles(long pid) {
        for (String line : read(Path.of("/proc", Long.toString(pid), "limits")).split("\n")) {
            if (line.startsWith("Max open files")) {
                return Long.parseLong(line.substring("Max open files".length()).trim().split("\\s+")[0]);
            }
        }
        throw new HarnessException("no open-files limit for pid " + pid);
    }

    /**
     * Heap in use, in KiB, after a full GC ({@code jcmd GC.run}), from {@code jstat -gc}: survivor, eden and old
     * "used" columns, which every collector reports. The tools are the JDK's that runs the process ({@code java},
     * its launcher): jstat reads the JVM's performance data, whose layout is the JVM's own.
     */
    static double heapUsedAfterGcKib(long pid, String java) {
        Commands.runOk(List.of(jdkTool(java, "jcmd"), Long.toString(pid), "GC.run"), Duration.ofSeconds(60));
        String[] lines = Commands.runOk(List.of(jdkTool(java, "jstat"), "-gc", Long.toString(pid)), Duration.ofSeconds(30))
                .trim().split("\n");
        String[] header = lines[0].trim().split("\\s+");
        String[] values = lines[lines.length - 1].trim().split("\\s+");
        double used = 0;
        for (int i = 0; i < header.length; i++) {
            if (List.of("S0U", "S1U", "EU", "OU").contains(header[i])) {
                used += Double.parseDouble(values[i]);
            }
        }
        return used;
    }

    /** {@code tool} beside the java launcher {@code java} when that is a path and the tool is there; else from PATH. */
    static String jdkTool(String java, String tool) {
        if (java.contains("/")) {
            Path beside = Path.of(java).resolveSibling(tool);
            if (Files.isExecutable(beside)) {
                return beside.toString();
            }
        }
        return tool;
    }

    static String loadAverage() {
        return read(Path.of("/proc/loadavg")).trim();
    }

    private static long clockTicks() {
        try {
            return Long.parseLong(Commands.runOk(List.of("getconf", "CLK_TCK"), Duration.ofSeconds(5)).trim());
        } catch (HarnessException | NumberFormatException e) {
            return 100;
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new HarnessException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }
}
