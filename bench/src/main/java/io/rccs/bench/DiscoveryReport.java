package io.rccs.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.FrameCodec;

/** Writes a finished discovery run to {@code <out>/discovery.{csv,json,md}}. */
final class DiscoveryReport {

    static final String CSV = "discovery.csv";
    static final String JSON = "discovery.json";
    static final String MARKDOWN = "discovery.md";
    /** SPEC 6: {@code devices.list} p99 <= 20 ms. */
    static final double TARGET_P99_MS = 20;
    private static final String RATE = "lists/s";
    private static final String ANSWERED = "answered";

    private final DiscoveryOptions options;
    private final MachineInfo machine;
    private final String runId;
    private final Instant startedAt;
    private final List<StepResult> results;

    DiscoveryReport(DiscoveryOptions options, MachineInfo machine, String runId, Instant startedAt, StepResult result) {
        this.options = options;
        this.machine = machine;
        this.runId = runId;
        this.startedAt = startedAt;
        this.results = List.of(result);
    }

    /** Writes every file and returns their paths. */
    List<Path> write() {
        Path out = options.out();
        try {
            Files.createDirectories(out);
            Files.writeString(out.resolve(CSV), ResultFiles.csv(results, "rate_lists_s", ANSWERED));
            Files.writeString(out.resolve(JSON), json());
            Files.writeString(out.resolve(MARKDOWN), markdown());
        } catch (IOException e) {
            throw new BenchException("cannot write the results to " + out + ": " + e, e);
        }
        return List.of(out.resolve(CSV), out.resolve(JSON), out.resolve(MARKDOWN));
    }

    String consoleTables() {
        return "devices.list round trips (from the intended send time), " + options.durationSeconds() + " s measured:\n"
                + ResultTables.aligned(ResultTables.latency(results, RATE, ANSWERED))
                + "\nCPU seconds used during the measured window (" + ProcessCpu.MACHINE + " = all cores together, at most "
                + machine.cores() + " x " + options.durationSeconds() + " s):\n"
                + ResultTables.aligned(ResultTables.cpu(results, RATE))
                + "\n" + verdict() + "\n";
    }

    /** Whether the SPEC 6 target was met, in words. */
    String verdict() {
        double p99 = results.get(0).p99Ms();
        if (Double.isNaN(p99)) {
            return "SPEC 6 target devices.list p99 <= 20 ms: no answers, nothing to judge";
        }
        return "SPEC 6 target devices.list p99 <= 20 ms: " + (p99 <= TARGET_P99_MS ? "met" : "NOT met") + " (p99 "
                + Numbers.millis(p99) + " ms)";
    }

    private String json() {
        ObjectNode root = FrameCodec.mapper().createObjectNode();
        root.put("benchmark", "discovery");
        root.put("run", runId);
        root.put("startedAt", startedAt.toString());
        ResultFiles.putMachine(root, machine);
        ObjectNode config = root.putObject("config");
        config.put("rateListsPerSecond", options.rate()).put("durationSeconds", options.durationSeconds())
                .put("warmupSeconds", options.warmupSeconds()).put("drainSeconds", options.drainSeconds())
                .put("users", options.users()).put("devicesPerUser", options.devices())
                .put("onlineDevicesPerUser", options.online()).put("listingConnections", options.listers())
                .put("maxRatePerLister", options.perListerRate());
        options.gateways().forEach(gateway -> config.withArray("gateways").add(gateway.toString()));
        config.put("latency", "devices answer's arrival minus the list's intended send time (open model), HdrHistogram in microseconds");
        config.put("targetP99Ms", TARGET_P99_MS);
        ResultFiles.putStep(root.putObject("result"), results.get(0), "rateListsPerSecond", ANSWERED);
        return ResultFiles.pretty(root);
    }

    private String markdown() {
        return "Run `" + runId + "`, started " + startedAt + ", on " + machine.describe()
                + " (the benchmark client and the whole stack share these cores).\n"
                + options.users() + " users x " + options.devices() + " devices (all trusted, " + options.online()
                + " online each, half on each gateway); " + options.rate() + " `devices.list`/s from the "
                + options.listers() + " online devices; " + options.warmupSeconds() + " s warm-up, "
                + options.durationSeconds() + " s measured; latency from the intended send time.\n\n"
                + ResultTables.markdown(ResultTables.latency(results, RATE, ANSWERED))
                + "\nCPU seconds during the measured window (" + ProcessCpu.MACHINE + ": all cores together):\n\n"
                + ResultTables.markdown(ResultTables.cpu(results, RATE))
                + "\n" + verdict() + ".\n";
    }
}
