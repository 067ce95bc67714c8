package io.rccs.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A JVM of the stack, by the pid {@code ./rccs up} recorded: its memory as Linux sees it
 * ({@code /proc/<pid>/status}), its open files and their limit, and what {@code jcmd} tells about its
 * heap after a full GC. Linux and a JDK with jcmd only; the bench runs as the same user as the stack.
 */
final class JvmProcess {

    private static final Pattern USED_KIB = Pattern.compile("used (\\d+)K");
    /** A full GC of a heap of a few hundred MiB takes well under this, even on two busy cores. */
    private static final long JCMD_TIMEOUT_SECONDS = 120;

    private final String name;
    private final long pid;

    private JvmProcess(String name, long pid) {
        this.name = name;
        this.pid = pid;
    }

    /** The process recorded in {@code <state>/pids/<name>.pid}; null when there is none or it is not alive. */
    static JvmProcess recorded(Path stateDir, String name) {
        Path file = stateDir.resolve("pids").resolve(name + ".pid");
        try {
            long pid = Long.parseLong(Files.readString(file).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent() ? new JvmProcess(name, pid) : null;
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    String name() {
        return name;
    }

    long pid() {
        return pid;
    }

    /** Resident memory in KiB ({@code VmRSS}). */
    long rssKib() {
        return statusKib(Path.of("/proc", String.valueOf(pid), "status"), "VmRSS:");
    }

    /** Files (sockets included) the process has open now. */
    int openFiles() {
        return OpenFiles.count(Path.of("/proc", String.valueOf(pid)));
    }

    /** The most files it may open (its soft limit). */
    long maxOpenFiles() {
        return OpenFiles.limit(Path.of("/proc", String.valueOf(pid)));
    }

    /** Runs a full GC twice (the second collects what the first's finalisation freed) and returns the heap used after it, in KiB. */
    long heapUsedAfterFullGcKib() {
        jcmd("GC.run");
        jcmd("GC.run");
        return heapUsedKib(jcmd("GC.heap_info"));
    }

    /** {@code GC.class_histogram}: live objects by class (it runs a full GC itself). */
    ClassHistogram classHistogram() {
        return ClassHistogram.parse(jcmd("GC.class_histogram"));
    }

    /**
     * The heap used in {@code GC.heap_info}'s output: the sum of its generations' {@code used} (one line
     * for G1, young plus old for the serial and parallel collectors), up to the Metaspace line.
     */
    static long heapUsedKib(String heapInfo) {
        long used = 0;
        boolean found = false;
        for (String line : heapInfo.lines().toList()) {
            if (line.trim().startsWith("Metaspace")) {
                break;
            }
            Matcher matcher = USED_KIB.matcher(line);
            if (line.contains("total") && matcher.find()) {
                used += Long.parseLong(matcher.group(1));
                found = true;
            }
        }
        if (!found) {
            throw new BenchException("cannot read the heap used from jcmd GC.heap_info: " + heapInfo);
        }
        return used;
    }

    private String jcmd(String command) {
        Path jdkJcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        String executable = Files.isExecutable(jdkJcmd) ? jdkJcmd.toString() : "jcmd";
        ProcessBuilder builder = new ProcessBuilder(executable, String.valueOf(pid), command).redirectErrorStream(true);
        try {
            Process process = builder.start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(JCMD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new BenchException("jcmd " + pid + " " + command + " took more than " + JCMD_TIMEOUT_SECONDS + " s");
            }
            String text = new String(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new BenchException("jcmd " + pid + " " + command + " failed (" + name + "): " + text.strip());
            }
            return text;
        } catch (IOException e) {
            throw new BenchException("cannot run jcmd (" + executable + ") for " + name + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while running jcmd", e);
        }
    }

    private static long statusKib(Path status, String field) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new BenchException("cannot read " + field + " from " + status + ": " + e, e);
        }
        throw new BenchException(status + " has no " + field);
    }

    /** Open files and their limit of any process, this one included ({@code /proc/self}). */
    static final class OpenFiles {

        private OpenFiles() {
        }

        static int count(Path proc) {
            try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
                return (int) fds.count();
            } catch (IOException e) {
                throw new BenchException("cannot list " + proc.resolve("fd") + ": " + e, e);
            }
        }

        static long limit(Path proc) {
            try {
                return parseLimit(Files.readAllLines(proc.resolve("limits")));
            } catch (IOException e) {
                throw new BenchException("cannot read " + proc.resolve("limits") + ": " + e, e);
            }
        }

        /** The soft limit of "Max open files" in a {@code /proc/<pid>/limits}; Long.MAX_VALUE for unlimited. */
        static long parseLimit(List<String> limits) {
            for (String line : limits) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
                }
            }
            throw new BenchException("no 'Max open files' line in the process limits");
        }
    }
}
