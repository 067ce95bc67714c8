package io.rccs.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.FrameCodec;

/** Writes a finished run to {@code <out>/messages.{csv,json,md}} and the chart {@code messages-latency.svg}. */
final class MessagesReport {

    static final String CSV = "messages.csv";
    static final String JSON = "messages.json";
    static final String MARKDOWN = "messages.md";
    static final String CHART = "messages-latency.svg";
    private static final String RATE = "msg/s";
    private static final String DELIVERED = "delivered";

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
            Files.writeString(out.resolve(CHART), new LatencyChart(results, machine, LatencyChart.MESSAGES).svg());
        } catch (IOException e) {
            throw new BenchException("cannot write the results to " + out + ": " + e, e);
        }
        return List.of(out.resolve(CSV), out.resolve(JSON), out.resolve(MARKDOWN), out.resolve(CHART));
    }

    String consoleTables() {
        return "Latency (from the intended send time) and delivery, " + options.durationSeconds() + " s per rate:\n"
                + ResultTables.aligned(ResultTables.latency(results, RATE, DELIVERED))
                + "\nCPU seconds used during each measured window (" + ProcessCpu.MACHINE + " = all cores together, at most "
                + machine.cores() + " x " + options.durationSeconds() + " s):\n"
                + ResultTables.aligned(ResultTables.cpu(results, RATE));
    }

    private String csv() {
        return ResultFiles.csv(results, "rate_msg_s", "delivered");
    }

    private String json() {
        ObjectNode root = FrameCodec.mapper().createObjectNode();
        root.put("benchmark", "messages");
        root.put("run", runId);
        root.put("startedAt", startedAt.toString());
        ResultFiles.putMachine(root, machine);
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
        results.forEach(r -> ResultFiles.putStep(steps.addObject(), r, "rateMsgPerSecond", "delivered"));
        return ResultFiles.pretty(root);
    }

    private String markdown() {
        return "Run `" + runId + "`, started " + startedAt + ", on " + machine.describe()
                + " (the benchmark client and the whole stack share these cores).\n"
                + "Each rate: " + options.warmupSeconds() + " s warm-up, " + options.durationSeconds() + " s measured, "
                + options.frameBytes() + "-byte frames; latency from the intended send time.\n\n"
                + ResultTables.markdown(ResultTables.latency(results, RATE, DELIVERED))
                + "\nCPU seconds during each measured window (" + ProcessCpu.MACHINE + ": all cores together):\n\n"
                + ResultTables.markdown(ResultTables.cpu(results, RATE))
                + "\n![latency versus offered rate](" + CHART + ")\n";
    }
}
