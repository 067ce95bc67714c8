package io.rccs.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of the stack's processes, from Linux {@code /proc}. The processes are the ones
 * {@code ./rccs up} recorded in {@code <state>/pids/*.pid}; each counts with its whole process tree,
 * because PostgreSQL works in child processes of the postmaster (and Keycloak's pid is its launcher
 * script). Off Linux every figure is simply missing.
 */
final class ProcessCpu {

    /** The bench JVM itself, reported next to the stack's processes. */
    static final String BENCH = "bench";
    /** The whole machine: busy time of all cores together, from {@code /proc/stat}. */
    static final String MACHINE = "machine";

    private static final Path PROC = Path.of("/proc");

    private final Path pidDir;
    private final long ticksPerSecond = clockTicksPerSecond();

    ProcessCpu(Path stateDir) {
        this.pidDir = stateDir.resolve("pids");
    }

    /** CPU ticks used so far, by process name (plus {@link #BENCH} and {@link #MACHINE}). */
    Snapshot snapshot() {
        Map<Long, ProcStat> table = readProcessTable();
        Map<String, Long> ticks = new TreeMap<>();
        for (Map.Entry<String, Long> process : stackPids().entrySet()) {
            if (table.containsKey(process.getValue())) {
                ticks.put(process.getKey(), treeTicks(process.getValue(), table));
            }
        }
        ProcStat self = table.get(ProcessHandle.current().pid());
        if (self != null) {
            ticks.put(BENCH, self.ticks());
        }
        long machine = machineBusyTicks();
        if (machine >= 0) {
            ticks.put(MACHINE, machine);
        }
        return new Snapshot(System.nanoTime(), ticks);
    }

    /** CPU seconds used between two snapshots, by process; a process missing from either is left out. */
    Map<String, Double> secondsBetween(Snapshot before, Snapshot after) {
        Map<String, Double> seconds = new TreeMap<>();
        after.ticks().forEach((name, ticks) -> {
            Long earlier = before.ticks().get(name);
            if (earlier != null && ticks >= earlier) {
                seconds.put(name, (ticks - earlier) / (double) ticksPerSecond);
            }
        });
        return seconds;
    }

    record Snapshot(long takenNanos, Map<String, Long> ticks) {
    }

    /** utime, stime and the reaped children's cutime, cstime of one process. */
    private record ProcStat(long ppid, long ticks) {
    }

    private Map<String, Long> stackPids() {
        Map<String, Long> pids = new TreeMap<>();
        if (!Files.isDirectory(pidDir)) {
            return pids;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(pidDir, "*.pid")) {
            for (Path file : files) {
                String name = file.getFileName().toString().replaceFirst("\\.pid$", "");
                try {
                    pids.put(name, Long.parseLong(Files.readString(file).trim()));
                } catch (IOException | NumberFormatException e) {
                    // a pid file being rewritten or empty: that process is simply not reported this time
                }
            }
        } catch (IOException e) {
            return pids;
        }
        return pids;
    }

    /** The process and all its living descendants; exited ones are already in their parent's cutime/cstime. */
    private static long treeTicks(long root, Map<Long, ProcStat> table) {
        Map<Long, List<Long>> children = new HashMap<>();
        table.forEach((pid, stat) -> children.computeIfAbsent(stat.ppid(), p -> new ArrayList<>()).add(pid));
        long total = 0;
        List<Long> todo = new ArrayList<>(List.of(root));
        while (!todo.isEmpty()) {
            long pid = todo.remove(todo.size() - 1);
            total += table.get(pid).ticks();
            todo.addAll(children.getOrDefault(pid, List.of()));
        }
        return total;
    }

    private static Map<Long, ProcStat> readProcessTable() {
        Map<Long, ProcStat> table = new HashMap<>();
        if (!Files.isDirectory(PROC)) {
            return table;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, entry -> entry.getFileName().toString().matches("\\d+"))) {
            for (Path entry : entries) {
                ProcStat stat = readStat(entry.resolve("stat"));
                if (stat != null) {
                    table.put(Long.parseLong(entry.getFileName().toString()), stat);
                }
            }
        } catch (IOException e) {
            return table;
        }
        return table;
    }

    private static ProcStat readStat(Path statFile) {
        try {
            String line = Files.readString(statFile, StandardCharsets.UTF_8);
            // the command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'
            String[] fields = line.substring(line.lastIndexOf(')') + 2).trim().split("\\s+");
            // fields[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14..17
            long ppid = Long.parseLong(fields[1]);
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
            return new ProcStat(ppid, ticks);
        } catch (IOException | RuntimeException e) {
            return null; // the process ended while we looked
        }
    }

    private static long machineBusyTicks() {
        try {
            String[] cpu = Files.readAllLines(PROC.resolve("stat")).get(0).trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal ...: busy is everything but idle and iowait
            long busy = 0;
            for (int field = 1; field < Math.min(cpu.length, 9); field++) {
                if (field != 4 && field != 5) {
                    busy += Long.parseLong(cpu[field]);
                }
            }
            return busy;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long clockTicksPerSecond() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String answer = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (getconf.waitFor() == 0) {
                return Long.parseLong(answer);
            }
        } catch (IOException | NumberFormatException e) {
            // fall through to Linux's usual value
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }
}
