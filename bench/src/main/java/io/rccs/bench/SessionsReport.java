package io.rccs.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.bench.SessionsBenchmark.FanoutResult;
import io.rccs.bench.SessionsBenchmark.HandoffResult;
import io.rccs.model.protocol.FrameCodec;

/**
 * Writes a finished {@code sessions} run to {@code <out>}: {@code sessions.csv} (one row per measure:
 * latencies, versions, CPU seconds of its part), {@code sessions.json} (everything) and
 * {@code sessions.md} (the tables and the verdict, ready for docs/benchmarks.md). A part that did not
 * run (--only) has no rows.
 */
final class SessionsReport {

    static final String CSV = "sessions.csv";
    static final String JSON = "sessions.json";
    static final String MARKDOWN = "sessions.md";
    /** SPEC 6: handoff of a 64 KiB session, p99 <= 100 ms. */
    static final double TARGET_P99_MS = 100;
    static final String HANDOFF = "handoff";
    static final String FANOUT = "fanout";
    private static final String[] TOLD = {"old owner", "new owner", "phone"};
    private static final String AT_ALL_THREE = "at all 3";

    private final SessionsOptions options;
    private final MachineInfo machine;
    private final String runId;
    private final Instant startedAt;
    private final HandoffResult handoff;
    private final FanoutResult fanout;
    private final long foreign;

    /** @param handoff null when that part did not run; likewise {@code fanout} */
    SessionsReport(SessionsOptions options, MachineInfo machine, String runId, Instant startedAt, HandoffResult handoff,
            FanoutResult fanout, long foreign) {
        this.options = options;
        this.machine = machine;
        this.runId = runId;
        this.startedAt = startedAt;
        this.handoff = handoff;
        this.fanout = fanout;
        this.foreign = foreign;
    }

    /** Writes every file and returns their paths. */
    List<Path> write() {
        Path out = options.out();
        try {
            Files.createDirectories(out);
            return List.of(Files.writeString(out.resolve(CSV), csv()), Files.writeString(out.resolve(JSON), json()),
                    Files.writeString(out.resolve(MARKDOWN), markdown()));
        } catch (IOException e) {
            throw new BenchException("cannot write the results to " + out + ": " + e, e);
        }
    }

    String consoleTables() {
        StringBuilder text = new StringBuilder();
        if (handoff != null) {
            text.append("Handoff of a ").append(options.documentKib()).append(" KiB session (request sent -> handoff.done), ")
                    .append(handoffSummary()).append(":\n").append(ResultTables.aligned(handoffLatency()))
                    .append("\nVersions (one per handoff) as each device received them:\n")
                    .append(ResultTables.aligned(versions(handoff.versions(), SessionUser.DEVICE_NAMES, "device"))).append('\n');
        }
        if (fanout != null) {
            text.append("Patch fan-out (intended send time -> state frame at each device), ").append(options.durationSeconds())
                    .append(" s measured:\n")
                    .append(ResultTables.aligned(ResultTables.latency(List.of(fanout.step()), "patches/s", AT_ALL_THREE, true)))
                    .append('\n').append(ResultTables.aligned(receipts())).append("\nVersions (one per patch) by device:\n")
                    .append(ResultTables.aligned(versions(fanout.versions(), FanoutTracker.ROLE_NAMES, "device"))).append('\n');
        }
        text.append("CPU seconds used during each measured window (").append(ProcessCpu.MACHINE)
                .append(" = all cores together, at most ").append(machine.cores()).append(" x ").append(options.durationSeconds())
                .append(" s):\n").append(ResultTables.aligned(cpu())).append('\n');
        if (handoff != null) {
            text.append(verdict()).append('\n');
        }
        if (fanout != null) {
            text.append(convergence()).append('\n');
        }
        return text.toString();
    }

    /** Whether the handoff target was met, in words. */
    String verdict() {
        String target = "SPEC 6 target handoff of a 64 KiB session, p99 <= 100 ms: ";
        String size = options.documentKib() == 64 ? "" : "; measured with " + options.documentKib() + " KiB, not 64";
        double p99 = handoff.oldOwner().p99Ms();
        if (Double.isNaN(p99)) {
            return target + "no handoff completed, nothing to judge" + size;
        }
        long failed = handoff.unfinished() + sum(handoff.notAccepted());
        String measured = "p99 " + Numbers.millis(p99) + " ms over " + handoff.completed() + " handoffs"
                + (failed > 0 ? ", " + failed + " not completed" : "");
        return target + (met() ? "met" : "NOT met") + " (" + measured + ")" + size;
    }

    boolean met() {
        return handoff != null && handoff.completed() > 0 && handoff.oldOwner().p99Ms() <= TARGET_P99_MS
                && handoff.unfinished() == 0 && handoff.notAccepted().isEmpty();
    }

    /** Whether every device got every patch's version, in order, in words. */
    String convergence() {
        VersionOrder.Counts all = VersionOrder.Counts.NONE;
        for (VersionOrder.Counts counts : fanout.versions()) {
            all = all.plus(counts);
        }
        boolean converged = all.outOfOrder() == 0 && all.missing() == 0;
        return "State consistency (SPEC 3.5, every device gets every version in order): " + (converged ? "held" : "NOT held")
                + " (" + all.inOrder() + " versions in order, " + all.outOfOrder() + " out of order, " + all.missing()
                + " missing, " + all.duplicates() + " duplicates, over the 3 devices of " + options.users() + " users)";
    }

    String handoffSummary() {
        return String.format(Locale.ROOT, "%d users, %d s measured: %d handoffs (%.1f/s), %d unfinished, not accepted %s, "
                + "errors %s", handoff.users(), handoff.durationSeconds(), handoff.completed(), handoff.perSecond(),
                handoff.unfinished(), ResultTables.errors(handoff.notAccepted()), ResultTables.errors(handoff.errors()));
    }

    List<List<String>> handoffLatency() {
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("handoff.done at"));
        header.addAll(Percentiles.header("handoffs"));
        rows.add(header);
        Percentiles[] told = {handoff.oldOwner(), handoff.newOwner(), handoff.phone()};
        for (int i = 0; i < told.length; i++) {
            List<String> row = new ArrayList<>(List.of(TOLD[i]));
            row.addAll(told[i].cells());
            rows.add(row);
        }
        return rows;
    }

    List<List<String>> receipts() {
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("state at"));
        header.addAll(Percentiles.header("receipts"));
        header.add("dup");
        rows.add(header);
        List<String> all = new ArrayList<>(List.of("every device"));
        all.addAll(fanout.receipts().cells());
        long duplicates = 0;
        for (long count : fanout.duplicatesByRole()) {
            duplicates += count;
        }
        all.add(String.valueOf(duplicates));
        rows.add(all);
        for (int role = 0; role < FanoutTracker.ROLES; role++) {
            List<String> row = new ArrayList<>(List.of(FanoutTracker.ROLE_NAMES[role]));
            row.addAll(fanout.byRole()[role].cells());
            row.add(String.valueOf(fanout.duplicatesByRole()[role]));
            rows.add(row);
        }
        return rows;
    }

    static List<List<String>> versions(VersionOrder.Counts[] counts, String[] names, String first) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of(first, "in order", "out of order", "duplicates", "missing"));
        for (int i = 0; i < counts.length; i++) {
            VersionOrder.Counts c = counts[i];
            rows.add(List.of(names[i], String.valueOf(c.inOrder()), String.valueOf(c.outOfOrder()), String.valueOf(c.duplicates()),
                    String.valueOf(c.missing())));
        }
        return rows;
    }

    List<List<String>> cpu() {
        return ResultTables.cpu("part", cpuByPart());
    }

    private Map<String, Map<String, Double>> cpuByPart() {
        Map<String, Map<String, Double>> byPart = new LinkedHashMap<>();
        if (handoff != null) {
            byPart.put(HANDOFF, handoff.cpuSeconds());
        }
        if (fanout != null) {
            byPart.put(FANOUT, fanout.step().cpuSeconds());
        }
        return byPart;
    }

    /** One row per measure; a latency row leaves the version columns empty and the other way round. */
    String csv() {
        List<String> processes = StepResult.processNamesOf(cpuByPart().values());
        List<String> header = new ArrayList<>(List.of("part", "measure", "users", "duration_s", "rate_per_s", "count", "p50_ms",
                "p90_ms", "p99_ms", "p99_9_ms", "max_ms", "in_order", "out_of_order", "duplicates", "missing", "errors"));
        processes.forEach(name -> header.add("cpu_" + name.replace('-', '_') + "_s"));
        StringBuilder text = new StringBuilder(String.join(",", header)).append('\n');
        if (handoff != null) {
            String rate = Numbers.raw(handoff.perSecond());
            Percentiles[] told = {handoff.oldOwner(), handoff.newOwner(), handoff.phone()};
            for (int i = 0; i < told.length; i++) {
                long errors = i == 0 ? handoff.errorCount() + handoff.unfinished() + sum(handoff.notAccepted()) : 0;
                text.append(csvRow(HANDOFF, "handoff.done at " + TOLD[i], handoff.users(), rate, told[i], null, errors,
                        handoff.cpuSeconds(), processes));
            }
            for (int device = 0; device < handoff.versions().length; device++) {
                text.append(csvRow(HANDOFF, "versions at " + SessionUser.DEVICE_NAMES[device], handoff.users(), rate, null,
                        handoff.versions()[device], 0, handoff.cpuSeconds(), processes));
            }
        }
        if (fanout != null) {
            StepResult step = fanout.step();
            String rate = String.valueOf(step.rate());
            Percentiles allThree = new Percentiles(step.delivered(), step.p50Ms(), step.p90Ms(), step.p99Ms(), step.p999Ms(),
                    step.maxMs());
            text.append(csvRow(FANOUT, "patch at all 3 devices", step.users(), rate, allThree, null, step.errorCount() + step.lost(),
                    step.cpuSeconds(), processes));
            text.append(csvRow(FANOUT, "state at every device", step.users(), rate, fanout.receipts(), null, 0, step.cpuSeconds(),
                    processes));
            for (int role = 0; role < FanoutTracker.ROLES; role++) {
                text.append(csvRow(FANOUT, "state at " + FanoutTracker.ROLE_NAMES[role], step.users(), rate, fanout.byRole()[role],
                        fanout.versions()[role], 0, step.cpuSeconds(), processes));
            }
        }
        return text.toString();
    }

    private String csvRow(String part, String measure, int users, String rate, Percentiles latency, VersionOrder.Counts versions,
            long errors, Map<String, Double> cpuSeconds, List<String> processes) {
        StringJoiner row = new StringJoiner(",");
        row.add(part).add(measure).add(String.valueOf(users)).add(String.valueOf(options.durationSeconds())).add(rate);
        if (latency != null) {
            row.add(String.valueOf(latency.count())).add(Numbers.raw(latency.p50Ms())).add(Numbers.raw(latency.p90Ms()))
                    .add(Numbers.raw(latency.p99Ms())).add(Numbers.raw(latency.p999Ms())).add(Numbers.raw(latency.maxMs()));
        } else {
            row.add("").add("").add("").add("").add("").add("");
        }
        if (versions != null) {
            row.add(String.valueOf(versions.inOrder())).add(String.valueOf(versions.outOfOrder()))
                    .add(String.valueOf(versions.duplicates())).add(String.valueOf(versions.missing()));
        } else {
            row.add("").add("").add("").add("");
        }
        row.add(String.valueOf(errors));
        processes.forEach(name -> row.add(Numbers.raw(cpuSeconds.getOrDefault(name, Double.NaN))));
        return row + "\n";
    }

    private String json() {
        ObjectNode root = FrameCodec.mapper().createObjectNode();
        root.put("benchmark", "sessions");
        root.put("run", runId);
        root.put("startedAt", startedAt.toString());
        ResultFiles.putMachine(root, machine);
        ObjectNode config = root.putObject("config");
        config.put("users", options.users()).put("documentKiB", options.documentKib()).put("documentBytes", options.documentBytes())
                .put("durationSeconds", options.durationSeconds()).put("warmupSeconds", options.warmupSeconds())
                .put("drainSeconds", options.drainSeconds()).put("handoff", options.handoff()).put("fanout", options.fanout())
                .put("maxHandoffsPerSecondPerUser", options.handoffRate()).put("patchesPerSecond", options.patchRate()).put("requires", SessionUser.CAPABILITY)
                .put("desktopAGateway", options.gateways().get(0).toString())
                .put("desktopBAndPhoneGateway", options.gateways().get(1).toString())
                .put("pacedFramesPerSecondPerConnection", PacedSender.PER_SECOND)
                .put("handoffMeasure", "closed loop per user: from the handoff.request leaving the client to each device's "
                        + "handoff.done (the old owner's is the target's), HdrHistogram in microseconds")
                .put("fanoutMeasure", "state frame's arrival at each device minus the patch's intended send time (open model); "
                        + "'at all 3' = the last of the three");
        config.put("targetP99Ms", TARGET_P99_MS);
        root.put("foreignFramesIgnored", foreign);
        if (handoff != null) {
            putHandoff(root.putObject(HANDOFF));
        }
        if (fanout != null) {
            putFanout(root.putObject(FANOUT));
        }
        return ResultFiles.pretty(root);
    }

    private void putHandoff(ObjectNode node) {
        node.put("users", handoff.users()).put("durationSeconds", handoff.durationSeconds()).put("started", handoff.started())
                .put("completed", handoff.completed()).put("unfinished", handoff.unfinished()).put("unmatched", handoff.unmatched());
        ResultFiles.putNumber(node, "perSecond", handoff.perSecond());
        ObjectNode notAccepted = node.putObject("notAccepted");
        handoff.notAccepted().forEach(notAccepted::put);
        ObjectNode errors = node.putObject("errors");
        handoff.errors().forEach(errors::put);
        ObjectNode latency = node.putObject("latencyMs");
        Percentiles[] told = {handoff.oldOwner(), handoff.newOwner(), handoff.phone()};
        String[] fields = {"oldOwner", "newOwner", "phone"};
        for (int i = 0; i < told.length; i++) {
            putPercentiles(latency.putObject(fields[i]), told[i]);
        }
        putVersions(node.putObject("versions"), handoff.versions(), SessionUser.DEVICE_KEYS);
        putCpu(node.putObject("cpuSeconds"), handoff.cpuSeconds());
        node.put("metTarget", met()).put("verdict", verdict());
    }

    private void putFanout(ObjectNode node) {
        ObjectNode patches = node.putObject("patches");
        ResultFiles.putStep(patches, fanout.step(), "ratePatchesPerSecond", "atAllThree");
        patches.put("lost", fanout.step().lost());
        node.put("conflicts", fanout.conflicts());
        putPercentiles(node.putObject("receiptsMs"), fanout.receipts());
        ObjectNode byDevice = node.putObject("byDevice");
        for (int role = 0; role < FanoutTracker.ROLES; role++) {
            ObjectNode device = byDevice.putObject(FanoutTracker.ROLE_KEYS[role]);
            putPercentiles(device.putObject("latencyMs"), fanout.byRole()[role]);
            device.put("duplicates", fanout.duplicatesByRole()[role]);
        }
        putVersions(node.putObject("versions"), fanout.versions(), FanoutTracker.ROLE_KEYS);
        node.put("convergence", convergence());
    }

    private static void putPercentiles(ObjectNode node, Percentiles p) {
        node.put("count", p.count());
        ResultFiles.putNumber(node, "p50", p.p50Ms());
        ResultFiles.putNumber(node, "p90", p.p90Ms());
        ResultFiles.putNumber(node, "p99", p.p99Ms());
        ResultFiles.putNumber(node, "p99.9", p.p999Ms());
        ResultFiles.putNumber(node, "max", p.maxMs());
    }

    private static void putVersions(ObjectNode node, VersionOrder.Counts[] counts, String[] names) {
        for (int i = 0; i < counts.length; i++) {
            node.putObject(names[i]).put("inOrder", counts[i].inOrder()).put("outOfOrder", counts[i].outOfOrder())
                    .put("duplicates", counts[i].duplicates()).put("missing", counts[i].missing());
        }
    }

    private static void putCpu(ObjectNode node, Map<String, Double> cpuSeconds) {
        cpuSeconds.forEach((process, seconds) -> ResultFiles.putNumber(node, process, seconds));
    }

    private String markdown() {
        StringBuilder text = new StringBuilder("Run `" + runId + "`, started " + startedAt + ", on " + machine.describe()
                + " (the benchmark client and the whole stack share these cores). " + options.users() + " users, each with two "
                + "desktops (one per gateway, both `" + SessionUser.CAPABILITY + "`) and a phone following one session of "
                + options.documentKib() + " KiB; " + options.warmupSeconds() + " s warm-up and " + options.durationSeconds()
                + " s measured per part.\n\n");
        if (handoff != null) {
            text.append("**Handoff** (closed loop per user, at most ").append(options.handoffRate())
                    .append("/s each: `handoff.request` to the other desktop, which accepts the offer at ")
                    .append("once; latency from the request leaving the client to each device's `handoff.done`): ")
                    .append(handoffSummary()).append(".\n\n").append(ResultTables.markdown(handoffLatency()))
                    .append("\nVersions (one per handoff) as each device received them:\n\n")
                    .append(ResultTables.markdown(versions(handoff.versions(), SessionUser.DEVICE_NAMES, "device")))
                    .append('\n').append(verdict()).append(".\n\n");
        }
        if (fanout != null) {
            text.append("**Patch fan-out** (the owner replaces `/tick` at ").append(options.patchRate())
                    .append(" patches/s over all users, open model; latency from the patch's intended send time to the `state` ")
                    .append("frame at each device; *at all 3* = the last of the three; conflicts ").append(fanout.conflicts())
                    .append("):\n\n")
                    .append(ResultTables.markdown(ResultTables.latency(List.of(fanout.step()), "patches/s", AT_ALL_THREE, true)))
                    .append('\n').append(ResultTables.markdown(receipts()))
                    .append("\nVersions (one per patch) by device:\n\n")
                    .append(ResultTables.markdown(versions(fanout.versions(), FanoutTracker.ROLE_NAMES, "device")))
                    .append('\n').append(convergence()).append(".\n\n");
        }
        text.append("CPU seconds during each measured window (").append(ProcessCpu.MACHINE).append(": all cores together):\n\n")
                .append(ResultTables.markdown(cpu()));
        return text.toString();
    }

    private static long sum(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }
}
