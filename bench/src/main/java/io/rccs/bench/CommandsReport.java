package io.rccs.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.FrameCodec;

/**
 * Writes a finished {@code commands} run to {@code <out>}: {@code commands.csv} (a row per rate),
 * {@code commands-flush.csv} (a row per flush run), {@code commands.json} (everything),
 * {@code commands.md} (the tables and verdicts, ready for docs/benchmarks.md) and the chart
 * {@code commands-latency.svg}. A part that did not run (--only) writes no files of its own.
 */
final class CommandsReport {

    static final String CSV = "commands.csv";
    static final String FLUSH_CSV = "commands-flush.csv";
    static final String JSON = "commands.json";
    static final String MARKDOWN = "commands.md";
    static final String CHART = "commands-latency.svg";
    /** SPEC 6: command submit -> delivered to an online device, p99 <= 50 ms. */
    static final double TARGET_P99_MS = 50;
    static final LatencyChart.Labels CHART_LABELS = new LatencyChart.Labels("RCCS command delivery latency versus offered rate",
            "submit on a phone (gateway 1) to the command frame on its desktop (gateway 0); from the intended send time",
            "commands/s", TARGET_P99_MS);
    private static final String RATE = "commands/s";
    private static final String DELIVERED = "delivered";

    private final CommandsOptions options;
    private final MachineInfo machine;
    private final String runId;
    private final Instant startedAt;
    private final long foreign;
    private final List<StepResult> steps;
    private final List<FlushResult> flushes;

    CommandsReport(CommandsOptions options, MachineInfo machine, String runId, Instant startedAt, long foreign,
            List<StepResult> steps, List<FlushResult> flushes) {
        this.options = options;
        this.machine = machine;
        this.runId = runId;
        this.startedAt = startedAt;
        this.foreign = foreign;
        this.steps = List.copyOf(steps);
        this.flushes = List.copyOf(flushes);
    }

    /** Writes every file and returns their paths. */
    List<Path> write() {
        Path out = options.out();
        List<Path> written = new ArrayList<>();
        try {
            Files.createDirectories(out);
            if (!steps.isEmpty()) {
                written.add(Files.writeString(out.resolve(CSV), ResultFiles.csv(steps, "rate_commands_s", DELIVERED)));
            }
            if (!flushes.isEmpty()) {
                written.add(Files.writeString(out.resolve(FLUSH_CSV), flushCsv()));
            }
            written.add(Files.writeString(out.resolve(JSON), json()));
            written.add(Files.writeString(out.resolve(MARKDOWN), markdown()));
            if (!steps.isEmpty()) {
                written.add(Files.writeString(out.resolve(CHART), new LatencyChart(steps, machine, CHART_LABELS).svg()));
            }
        } catch (IOException e) {
            throw new BenchException("cannot write the results to " + out + ": " + e, e);
        }
        return written;
    }

    String consoleTables() {
        StringBuilder text = new StringBuilder();
        if (!steps.isEmpty()) {
            text.append("Command delivery latency (submit's intended time -> command frame at the desktop), ")
                    .append(options.durationSeconds()).append(" s per rate:\n")
                    .append(ResultTables.aligned(ResultTables.latency(steps, RATE, DELIVERED, true)))
                    .append("\nCPU seconds used during each measured window (").append(ProcessCpu.MACHINE)
                    .append(" = all cores together, at most ").append(machine.cores()).append(" x ").append(options.durationSeconds())
                    .append(" s):\n").append(ResultTables.aligned(ResultTables.cpu(steps, RATE)))
                    .append('\n').append(latencyVerdict()).append("\n\n");
        }
        if (!flushes.isEmpty()) {
            text.append("Flush of queued commands to a device that comes online (ms from its hello):\n")
                    .append(ResultTables.aligned(flushTable())).append('\n').append(flushVerdict()).append('\n');
        }
        return text.toString();
    }

    /** Whether the latency target was met at each rate, in words. */
    String latencyVerdict() {
        List<String> met = new ArrayList<>();
        List<String> missed = new ArrayList<>();
        for (StepResult r : steps) {
            if (!Double.isNaN(r.p99Ms()) && r.p99Ms() <= TARGET_P99_MS && r.lost() == 0) {
                met.add(r.rate() + " (p99 " + Numbers.millis(r.p99Ms()) + " ms)");
            } else {
                missed.add(r.rate() + " (p99 " + Numbers.millis(r.p99Ms()) + " ms" + (r.lost() > 0 ? ", " + r.lost() + " lost" : "") + ")");
            }
        }
        return "SPEC 6 target command submit -> delivered to an online device, p99 <= 50 ms: "
                + (met.isEmpty() ? "" : "met at " + String.join(", ", met) + " commands/s")
                + (met.isEmpty() || missed.isEmpty() ? "" : "; ")
                + (missed.isEmpty() ? "" : "NOT met at " + String.join(", ", missed) + " commands/s");
    }

    /** Whether the flush target was met in each run, in words. */
    String flushVerdict() {
        long met = flushes.stream().filter(FlushResult::met).count();
        int commands = options.flushCommands();
        String times = flushes.stream().map(f -> Numbers.millis(f.lastMs())).collect(Collectors.joining(", "));
        return "SPEC 6 target flush of 1,000 queued commands to a device that comes online, <= 1 s, in priority order: "
                + (met == flushes.size() ? "met in all " + met + " runs"
                        : "NOT met: met in " + met + " of " + flushes.size() + " runs")
                + " (hello -> last command: " + times + " ms; order " + (flushes.stream().allMatch(FlushResult::inOrder)
                        ? "held in every run" : "broken in " + flushes.stream().filter(f -> !f.inOrder()).count() + " runs") + ")"
                + (commands == 1_000 ? "" : "; measured with " + commands + " commands, not 1,000");
    }

    List<List<String>> flushTable() {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("run", "commands", "queued", "early dispatch", "received", "dup", "hello->welcome ms", "hello->first ms",
                "hello->last ms", "in order", "finished"));
        for (FlushResult f : flushes) {
            rows.add(List.of(String.valueOf(f.run()), String.valueOf(f.commands()), String.valueOf(f.queued()),
                    String.valueOf(f.dispatchedBeforeHello()), String.valueOf(f.received()), String.valueOf(f.duplicates()),
                    Numbers.millis(f.welcomeMs()), Numbers.millis(f.firstMs()), Numbers.millis(f.lastMs()),
                    f.inOrder() ? "yes" : "NO (" + f.orderViolations() + ")", String.valueOf(f.finished())));
        }
        return rows;
    }

    private String flushCsv() {
        StringBuilder text = new StringBuilder("run,commands,critical,high,normal,low,queued,refused,dispatched_before_hello,"
                + "received,duplicates,foreign,priority_mismatches,welcome_ms,first_ms,last_ms,order_violations,in_order,finished,met\n");
        for (FlushResult f : flushes) {
            StringJoiner row = new StringJoiner(",");
            row.add(String.valueOf(f.run())).add(String.valueOf(f.commands()));
            for (String priority : new String[] {"critical", "high", "normal", "low"}) {
                row.add(String.valueOf(f.mix().getOrDefault(priority, 0)));
            }
            row.add(String.valueOf(f.queued())).add(String.valueOf(f.refused().values().stream().mapToLong(Long::longValue).sum()))
                    .add(String.valueOf(f.dispatchedBeforeHello())).add(String.valueOf(f.received()))
                    .add(String.valueOf(f.duplicates())).add(String.valueOf(f.foreign())).add(String.valueOf(f.priorityMismatches()))
                    .add(Numbers.raw(f.welcomeMs())).add(Numbers.raw(f.firstMs())).add(Numbers.raw(f.lastMs()))
                    .add(String.valueOf(f.orderViolations())).add(String.valueOf(f.inOrder())).add(String.valueOf(f.finished()))
                    .add(String.valueOf(f.met()));
            text.append(row).append('\n');
        }
        return text.toString();
    }

    private String json() {
        ObjectNode root = FrameCodec.mapper().createObjectNode();
        root.put("benchmark", "commands");
        root.put("run", runId);
        root.put("startedAt", startedAt.toString());
        ResultFiles.putMachine(root, machine);
        ObjectNode config = root.putObject("config");
        options.rates().forEach(config.putArray("ratesCommandsPerSecond")::add);
        config.put("latency", options.latency()).put("durationSeconds", options.durationSeconds())
                .put("warmupSeconds", options.warmupSeconds()).put("drainSeconds", options.drainSeconds())
                .put("minUsers", options.users()).put("maxRatePerUser", options.perUserRate())
                .put("flush", options.flush()).put("flushRuns", options.flushRuns()).put("flushCommands", options.flushCommands())
                .put("flushSubmitRate", options.flushSubmitRate()).put("flushTimeoutSeconds", options.flushTimeoutSeconds())
                .put("desktopGateway", options.gateways().get(0).toString())
                .put("phoneGateway", options.gateways().get(1).toString())
                .put("pacedFramesPerSecondPerConnection", PacedSender.PER_SECOND)
                .put("latencyMeasure", "command frame's arrival at the desktop minus the submit's intended send time (open model), "
                        + "HdrHistogram in microseconds")
                .put("flushMeasure", "from sending the desktop's hello to the arrival of the run's last command");
        config.put("targetP99Ms", TARGET_P99_MS).put("targetFlushMs", FlushResult.TARGET_MS);
        root.put("foreignCommandsIgnored", foreign);
        ArrayNode stepNodes = root.putArray("steps");
        for (StepResult r : steps) {
            ObjectNode step = stepNodes.addObject();
            ResultFiles.putStep(step, r, "rateCommandsPerSecond", DELIVERED);
            step.put("lost", r.lost()).put("metTarget", !Double.isNaN(r.p99Ms()) && r.p99Ms() <= TARGET_P99_MS && r.lost() == 0);
        }
        ArrayNode flushNodes = root.putArray("flushRuns");
        flushes.forEach(f -> putFlush(flushNodes.addObject(), f));
        if (!steps.isEmpty()) {
            root.put("latencyVerdict", latencyVerdict());
        }
        if (!flushes.isEmpty()) {
            root.put("flushVerdict", flushVerdict());
        }
        return ResultFiles.pretty(root);
    }

    private static void putFlush(ObjectNode node, FlushResult f) {
        node.put("run", f.run()).put("commands", f.commands());
        ObjectNode mix = node.putObject("priorities");
        f.mix().forEach(mix::put);
        node.put("queued", f.queued());
        ObjectNode refused = node.putObject("refused");
        f.refused().forEach(refused::put);
        node.put("dispatchedBeforeHello", f.dispatchedBeforeHello()).put("received", f.received())
                .put("duplicates", f.duplicates()).put("foreign", f.foreign()).put("priorityMismatches", f.priorityMismatches());
        ResultFiles.putNumber(node, "helloToWelcomeMs", f.welcomeMs());
        ResultFiles.putNumber(node, "helloToFirstMs", f.firstMs());
        ResultFiles.putNumber(node, "helloToLastMs", f.lastMs());
        node.put("orderViolations", f.orderViolations()).put("inOrder", f.inOrder());
        if (f.firstViolation() != null) {
            node.put("firstViolation", f.firstViolation());
        }
        node.put("finished", f.finished()).put("metTarget", f.met());
    }

    private String markdown() {
        StringBuilder text = new StringBuilder("Run `" + runId + "`, started " + startedAt + ", on " + machine.describe()
                + " (the benchmark client and the whole stack share these cores).\n\n");
        if (!steps.isEmpty()) {
            text.append("**Command submit -> delivered to an online device.** Each user's phone (gateway 1) submits to its desktop ")
                    .append("(gateway 0), which acknowledges and answers every command at once; ")
                    .append(options.warmupSeconds()).append(" s warm-up, ").append(options.durationSeconds())
                    .append(" s measured per rate; latency from the submit's intended time to the command frame's arrival; ")
                    .append("lost = not arrived ").append(options.drainSeconds()).append(" s after the step.\n\n")
                    .append(ResultTables.markdown(ResultTables.latency(steps, RATE, DELIVERED, true)))
                    .append("\nCPU seconds during each measured window (").append(ProcessCpu.MACHINE).append(": all cores together):\n\n")
                    .append(ResultTables.markdown(ResultTables.cpu(steps, RATE)))
                    .append('\n').append(latencyVerdict()).append(".\n\n![latency versus offered rate](").append(CHART).append(")\n\n");
        }
        if (!flushes.isEmpty()) {
            Map<String, Integer> mix = flushes.get(0).mix();
            text.append("**Flush of queued commands to a device that comes online.** The desktop goes offline (the phone waits ")
                    .append("for its presence push and for `devices.list` to list it offline), the phone queues ")
                    .append(options.flushCommands()).append(" commands (critical ").append(mix.getOrDefault("critical", 0))
                    .append(", high ").append(mix.getOrDefault("high", 0)).append(", normal ").append(mix.getOrDefault("normal", 0))
                    .append(", low ").append(mix.getOrDefault("low", 0))
                    .append(", in a random order) and waits for every QUEUED, then the desktop says hello again; times from ")
                    .append("sending that hello; in order = priority never rises, submit order within a priority.\n\n")
                    .append(ResultTables.markdown(flushTable())).append('\n').append(flushVerdict()).append(".\n");
        }
        return text.toString();
    }
}
