package io.rccs.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.FrameCodec;

/** Writes a finished run to {@code <out>/messages.{csv,json,md}} and the chart {@code messages-latency.svg}. */
final class MessagesReport {

    static final String CSV = "messages.csv";
    static final String JSON = "messages.json";
    static final String MARKDOWN = "messages.md";
    static final String CHART = "messages-latency.svg";

    private final MessagesOptions options;
    private final MachineInfo machine;
    private final String runId;
    private final Instant startedAt;
    private final long foreignMessages;
    private final List<StepResult> results;

    MessagesReport(MessagesOptions options, MachineInfo machine, String runId, Instant startedAt, long foreignMessages,
            List<StepResult> results) {
        this.options = options;
        this.machine = machine;
        this.runId = runId;
        this.startedAt = startedAt;
        this.foreignMessages = foreignMessages;
        this.results = results;
    }

    /** Writes every file and returns their paths. */
    List<Path> write() {
        Path out = options.out();
        try {
            Files.createDirectories(out);
            Files.writeString(out.resolve(CSV), csv());
            Files.writeString(out.resolve(JSON), json());
            Files.writeString(out.resolve(MARKDOWN), markdown());
            Files.writeString(out.resolve(CHART), new LatencyChart(results, machine).svg());
        } catch (IOException e) {
            throw new BenchException("cannot write the results to " + out + ": " + e, e);
        }
        return List.of(out.resolve(CSV), out.resolve(JSON), out.resolve(MARKDOWN), out.resolve(CHART));
    }

    String consoleTables() {
        return "Latency (from the intended send time) and delivery, " + options.durationSeconds() + " s per rate:\n"
                + ResultTables.aligned(ResultTables.latency(results))
                + "\nCPU seconds used during each measured window (" + ProcessCpu.MACHINE + " = all cores together, at most "
                + machine.cores() + " x " + options.durationSeconds() + " s):\n"
                + ResultTables.aligned(ResultTables.cpu(results));
    }

    private String csv() {
        List<String> processes = StepResult.processNames(results);
        List<String> header = new ArrayList<>(List.of("rate_msg_s", "users", "duration_s", "offered", "sent", "send_failures",
                "delivered", "delivered_ratio", "duplicates", "errors", "p50_ms", "p90_ms", "p99_ms", "p99_9_ms", "max_ms",
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

    private String json() {
        ObjectNode root = FrameCodec.mapper().createObjectNode();
        root.put("benchmark", "messages");
        root.put("run", runId);
        root.put("startedAt", startedAt.toString());
        ObjectNode host = root.putObject("machine");
        host.put("cpu", machine.cpuModel()).put("cores", machine.cores()).put("os", machine.os()).put("java", machine.javaRuntime());
        putNumber(host, "memoryGiB", machine.memoryGiB());
        host.put("note", "the benchmark client and the whole stack share this machine's cores");
        ObjectNode config = root.putObject("config");
        options.rates().forEach(config.putArray("ratesMsgPerSecond")::add);
        config.put("durationSeconds", options.durationSeconds()).put("warmupSeconds", options.warmupSeconds())
                .put("drainSeconds", options.drainSeconds()).put("minUsers", options.users())
                .put("maxRatePerSender", options.perSenderRate()).put("frameBytes", options.frameBytes())
                .put("receiverGateway", options.gateways().get(0).toString())
                .put("senderGateway", options.gateways().get(1).toString())
                .put("latency", "receive time minus intended send time (open model), HdrHistogram in microseconds");
        root.put("foreignMessagesIgnored", foreignMessages);
        ArrayNode steps = root.putArray("steps");
        for (StepResult r : results) {
            ObjectNode step = steps.addObject();
            step.put("rateMsgPerSecond", r.rate()).put("users", r.users()).put("durationSeconds", r.durationSeconds())
                    .put("offered", r.offered()).put("sent", r.sent()).put("sendFailures", r.sendFailures())
                    .put("delivered", r.delivered()).put("duplicates", r.duplicates());
            putNumber(step, "deliveredRatio", r.deliveredRatio());
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
        try {
            return FrameCodec.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("a tree of plain values always serialises", e);
        }
    }

    private String markdown() {
        return "Run `" + runId + "`, started " + startedAt + ", on " + machine.describe()
                + " (the benchmark client and the whole stack share these cores).\n"
                + "Each rate: " + options.warmupSeconds() + " s warm-up, " + options.durationSeconds() + " s measured, "
                + options.frameBytes() + "-byte frames; latency from the intended send time.\n\n"
                + ResultTables.markdown(ResultTables.latency(results))
                + "\nCPU seconds during each measured window (" + ProcessCpu.MACHINE + ": all cores together):\n\n"
                + ResultTables.markdown(ResultTables.cpu(results))
                + "\n![latency versus offered rate](" + CHART + ")\n";
    }

    /** JSON has no NaN: a missing value is null. */
    private static void putNumber(ObjectNode node, String field, double value) {
        if (Double.isNaN(value)) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }
}
