package io.rccs.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.FrameCodec;

/** What the benchmarks' CSV and JSON files share: a row or object per step, and the machine. */
final class ResultFiles {

    private ResultFiles() {
    }

    /**
     * One row per step: counts, percentiles (ms), client send lag, CPU seconds per process.
     *
     * @param rate      the rate column ({@code rate_msg_s})
     * @param delivered what arriving is called ({@code delivered}; its ratio column follows)
     */
    static String csv(List<StepResult> results, String rate, String delivered) {
        List<String> processes = StepResult.processNames(results);
        List<String> header = new ArrayList<>(List.of(rate, "users", "duration_s", "offered", "sent", "send_failures",
                delivered, delivered + "_ratio", "duplicates", "errors", "p50_ms", "p90_ms", "p99_ms", "p99_9_ms", "max_ms",
                "send_lag_p99_ms", "send_lag_max_ms"));
        processes.forEach(name -> header.add("cpu_" + name.replace('-', '_') + "_s"));
        StringBuilder text = new StringBuilder(String.join(",", header)).append('\n');
        for (StepResult r : results) {
            StringJoiner row = new StringJoiner(",");
            row.add(String.valueOf(r.rate())).add(String.valueOf(r.users())).add(String.valueOf(r.durationSeconds()))
                    .add(String.valueOf(r.offered())).add(String.valueOf(r.sent())).add(String.valueOf(r.sendFailures()))
                    .add(String.valueOf(r.delivered())).add(Numbers.raw(r.deliveredRatio())).add(String.valueOf(r.duplicates()))
                    .add(String.valueOf(r.errorCount()))
                    .add(Numbers.raw(r.p50Ms())).add(Numbers.raw(r.p90Ms())).add(Numbers.raw(r.p99Ms()))
                    .add(Numbers.raw(r.p999Ms())).add(Numbers.raw(r.maxMs()))
                    .add(Numbers.raw(r.sendLagP99Ms())).add(Numbers.raw(r.sendLagMaxMs()));
            processes.forEach(name -> row.add(Numbers.raw(r.cpuSeconds().getOrDefault(name, Double.NaN))));
            text.append(row).append('\n');
        }
        return text.toString();
    }

    /** The machine the run was measured on, under {@code machine}. */
    static void putMachine(ObjectNode root, MachineInfo machine) {
        ObjectNode host = root.putObject("machine");
        host.put("cpu", machine.cpuModel()).put("cores", machine.cores()).put("os", machine.os()).put("java", machine.javaRuntime());
        putNumber(host, "memoryGiB", machine.memoryGiB());
        host.put("note", "the benchmark client and the whole stack share this machine's cores");
    }

    /**
     * One step's figures into {@code step}: counts, errors by code, latency and send lag (ms), CPU seconds.
     *
     * @param rate      the rate field ({@code rateMsgPerSecond})
     * @param delivered what arriving is called ({@code delivered}; its ratio field follows)
     */
    static void putStep(ObjectNode step, StepResult r, String rate, String delivered) {
        step.put(rate, r.rate()).put("users", r.users()).put("durationSeconds", r.durationSeconds())
                .put("offered", r.offered()).put("sent", r.sent()).put("sendFailures", r.sendFailures())
                .put(delivered, r.delivered()).put("duplicates", r.duplicates());
        putNumber(step, delivered + "Ratio", r.deliveredRatio());
        ObjectNode errors = step.putObject("errors");
        r.errors().forEach(errors::put);
        ObjectNode latency = step.putObject("latencyMs");
        putNumber(latency, "p50", r.p50Ms());
        putNumber(latency, "p90", r.p90Ms());
        putNumber(latency, "p99", r.p99Ms());
        putNumber(latency, "p99.9", r.p999Ms());
        putNumber(latency, "max", r.maxMs());
        ObjectNode lag = step.putObject("sendLagMs");
        putNumber(lag, "p99", r.sendLagP99Ms());
        putNumber(lag, "max", r.sendLagMaxMs());
        ObjectNode cpu = step.putObject("cpuSeconds");
        for (Map.Entry<String, Double> process : r.cpuSeconds().entrySet()) {
            putNumber(cpu, process.getKey(), process.getValue());
        }
    }

    static String pretty(ObjectNode root) {
        try {
            return FrameCodec.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("a tree of plain values always serialises", e);
        }
    }

    /** JSON has no NaN: a missing value is null. */
    static void putNumber(ObjectNode node, String field, double value) {
        if (Double.isNaN(value)) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }
}
