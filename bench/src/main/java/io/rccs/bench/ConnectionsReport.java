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

import io.rccs.model.protocol.FrameCodec;

/** Writes a finished connections run to {@code <out>/connections.{json,md}}, the timeline CSV and the class histogram. */
final class ConnectionsReport {

    static final String JSON = "connections.json";
    static final String MARKDOWN = "connections.md";
    static final String TIMELINE = "connections-timeline.csv";
    static final String HISTOGRAM = "connections-histogram.txt";
    /** Issue 9: 20,000 connections on one gateway, established within 60 s, at most 20 KiB of heap each. */
    static final int TARGET_CONNECTIONS = 20_000;
    static final double TARGET_SECONDS = 60;
    static final double TARGET_HEAP_KIB = 20;
    static final int HISTOGRAM_LINES = 25;
    /** Points of the Markdown chart: more make mermaid's x axis unreadable. */
    private static final int CHART_POINTS = 30;

    private final ConnectionsOptions options;
    private final MachineInfo machine;
    private final Instant startedAt;
    private final ConnectionsResult result;
    private final double closeSeconds;

    ConnectionsReport(ConnectionsOptions options, MachineInfo machine, Instant startedAt, ConnectionsResult result, double closeSeconds) {
        this.options = options;
        this.machine = machine;
        this.startedAt = startedAt;
        this.result = result;
        this.closeSeconds = closeSeconds;
    }

    List<Path> write() {
        Path out = options.out();
        List<Path> written = new ArrayList<>(List.of(out.resolve(JSON), out.resolve(MARKDOWN), out.resolve(TIMELINE)));
        try {
            Files.createDirectories(out);
            Files.writeString(out.resolve(JSON), json());
            Files.writeString(out.resolve(MARKDOWN), markdown());
            Files.writeString(out.resolve(TIMELINE), timeline());
            if (result.hasMemory()) {
                Files.writeString(out.resolve(HISTOGRAM), histogram());
                written.add(out.resolve(HISTOGRAM));
            }
        } catch (IOException e) {
            throw new BenchException("cannot write the results to " + out + ": " + e, e);
        }
        return written;
    }

    String console() {
        return ResultTables.aligned(figures()) + "\n" + String.join("\n", verdicts()) + "\n";
    }

    /** Issue 9's three targets, each met or not, in words. */
    List<String> verdicts() {
        List<String> lines = new ArrayList<>();
        boolean all = result.established() == result.requested();
        String rate = Numbers.seconds(result.ratePerSecond()) + "/s";
        if (result.requested() < TARGET_CONNECTIONS) {
            lines.add(String.format(Locale.ROOT, "target %,d connections established in <= 60 s: not measured at that size "
                    + "(%,d requested; %,d established in %.1f s, %s, which would take %.0f s for %,d)", TARGET_CONNECTIONS,
                    result.requested(), result.established(), result.secondsToLast(), rate, TARGET_CONNECTIONS / result.ratePerSecond(),
                    TARGET_CONNECTIONS));
        } else {
            lines.add(String.format(Locale.ROOT, "target %,d connections established in <= 60 s: %s (%,d of %,d in %.1f s, %s)",
                    TARGET_CONNECTIONS, all && result.secondsToLast() <= TARGET_SECONDS ? "met" : "NOT met", result.established(),
                    result.requested(), result.secondsToLast(), rate));
        }
        if (result.hasMemory()) {
            double heap = result.heapKibPerConnection();
            lines.add(String.format(Locale.ROOT, "target heap <= 20 KiB per connection (after a full GC): %s (%.1f KiB at %,d connections)",
                    heap <= TARGET_HEAP_KIB ? "met" : "NOT met", heap, result.openAtMeasure()));
        } else {
            lines.add("target heap <= 20 KiB per connection: not measured (no gateway pid)");
        }
        ConnectionsResult.Hold hold = result.hold();
        lines.add(String.format(Locale.ROOT, "held %,d connections for %d s: %s (%d closed%s)", hold.held(), hold.seconds(),
                hold.closed() == 0 && all ? "every one stayed open" : "NOT all", hold.closed(),
                hold.closeReasons().isEmpty() ? "" : ": " + hold.closeReasons()));
        return lines;
    }

    private List<List<String>> figures() {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("figure", "value"));
        rows.add(List.of("connections requested / established", String.format(Locale.ROOT, "%,d / %,d", result.requested(),
                result.established())));
        rows.add(List.of("failed (by kind)", ResultTables.errors(result.failures())));
        rows.add(List.of("retried connects (relay busy)", String.valueOf(result.retries())));
        rows.add(List.of("time to establish all (welcome received)", Numbers.seconds(result.secondsToLast()) + " s"));
        rows.add(List.of("established per second", Numbers.seconds(result.ratePerSecond())));
        List<String> latency = result.latency().cells();
        rows.add(List.of("connect latency ms (upgrade -> welcome) p50 / p99 / max",
                latency.get(1) + " / " + latency.get(3) + " / " + latency.get(5)));
        rows.add(List.of("trusted / pending devices", result.trusted() + " / " + (result.established() - result.trusted())));
        if (result.hasMemory()) {
            rows.add(List.of("gateway heap after full GC, before -> with connections (MiB)", mib(result.before().heapKib())
                    + " -> " + mib(result.after().heapKib())));
            rows.add(List.of("heap per connection (KiB)", String.format(Locale.ROOT, "%.1f", result.heapKibPerConnection())));
            rows.add(List.of("gateway RSS, before -> with connections (MiB)", mib(result.before().rssKib()) + " -> "
                    + mib(result.after().rssKib())));
            rows.add(List.of("RSS per connection (KiB)", String.format(Locale.ROOT, "%.1f", result.rssKibPerConnection())));
            rows.add(List.of("gateway open files, before -> with connections", result.before().openFiles() + " -> "
                    + result.after().openFiles()));
        }
        rows.add(List.of("held (s) / closed during the hold", result.hold().seconds() + " / " + result.hold().closed()));
        rows.add(List.of("frames after welcome (presence and the like)", String.valueOf(result.framesAfterWelcome())));
        rows.add(List.of("all closed, gateway's files back (s)", Numbers.seconds(closeSeconds)));
        return rows;
    }

    private String json() {
        ObjectNode root = FrameCodec.mapper().createObjectNode();
        root.put("benchmark", "connections");
        root.put("startedAt", startedAt.toString());
        ResultFiles.putMachine(root, machine);
        ObjectNode config = root.putObject("config");
        config.put("connections", options.connections()).put("devicesPerUser", options.devicesPerUser())
                .put("users", options.users()).put("gateway", options.gateway().toString())
                .put("holdSeconds", options.holdSeconds()).put("inFlight", options.inFlight())
                .put("timeoutSeconds", options.timeoutSeconds());
        ObjectNode connect = root.putObject("connect");
        connect.put("established", result.established()).put("trusted", result.trusted()).put("retries", result.retries());
        ObjectNode failures = connect.putObject("failures");
        result.failures().forEach(failures::put);
        ResultFiles.putNumber(connect, "secondsToLast", result.secondsToLast());
        ResultFiles.putNumber(connect, "perSecond", result.ratePerSecond());
        ObjectNode latency = connect.putObject("latencyMs");
        Percentiles p = result.latency();
        ResultFiles.putNumber(latency, "p50", p.p50Ms());
        ResultFiles.putNumber(latency, "p90", p.p90Ms());
        ResultFiles.putNumber(latency, "p99", p.p99Ms());
        ResultFiles.putNumber(latency, "max", p.maxMs());
        putCpu(connect.putObject("cpuSeconds"), result.connectCpuSeconds());
        ObjectNode hold = root.putObject("hold");
        hold.put("seconds", result.hold().seconds()).put("held", result.hold().held()).put("stillOpen", result.hold().stillOpen())
                .put("closed", result.hold().closed());
        ObjectNode reasons = hold.putObject("closeReasons");
        result.hold().closeReasons().forEach(reasons::put);
        putCpu(hold.putObject("cpuSeconds"), result.holdCpuSeconds());
        if (result.hasMemory()) {
            ObjectNode memory = root.putObject("gatewayMemory");
            memory.put("connections", result.openAtMeasure())
                    .put("heapBeforeKib", result.before().heapKib()).put("heapAfterKib", result.after().heapKib())
                    .put("rssBeforeKib", result.before().rssKib()).put("rssAfterKib", result.after().rssKib())
                    .put("openFilesBefore", result.before().openFiles()).put("openFilesAfter", result.after().openFiles());
            ResultFiles.putNumber(memory, "heapKibPerConnection", result.heapKibPerConnection());
            ResultFiles.putNumber(memory, "rssKibPerConnection", result.rssKibPerConnection());
            for (ClassHistogram.Growth g : result.growth(HISTOGRAM_LINES)) {
                memory.withArray("histogramGrowth").addObject().put("class", g.className()).put("instances", g.instances())
                        .put("bytes", g.bytes());
            }
        }
        ResultFiles.putNumber(root, "closeSeconds", closeSeconds);
        root.withArray("verdicts").addAll(verdicts().stream().map(FrameCodec.mapper().getNodeFactory()::textNode).toList());
        return ResultFiles.pretty(root);
    }

    private String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("Started ").append(startedAt).append(" on ").append(machine.describe())
                .append(" (the benchmark client and the whole stack share these cores).\n")
                .append(String.format(Locale.ROOT, "%,d connections to %s, %d users x up to %d devices, %d connects at once, held %d s.%n%n",
                        options.connections(), options.gateway(), options.users(), options.devicesPerUser(), options.inFlight(),
                        options.holdSeconds()))
                .append(ResultTables.markdown(figures())).append('\n');
        Map<String, Map<String, Double>> cpu = new LinkedHashMap<>();
        cpu.put(String.format(Locale.ROOT, "connect (%.0f s)", result.secondsToLast()), result.connectCpuSeconds());
        cpu.put("hold (" + result.hold().seconds() + " s)", result.holdCpuSeconds());
        md.append("CPU seconds (").append(ProcessCpu.MACHINE).append(": all cores together):\n\n")
                .append(ResultTables.markdown(ResultTables.cpu("phase", cpu))).append('\n')
                .append(chart()).append('\n');
        if (result.hasMemory()) {
            md.append("What the gateway's live objects grew by (class histogram with the connections minus before; top ")
                    .append(10).append(", all ").append(HISTOGRAM_LINES).append(" in `").append(HISTOGRAM).append("`):\n\n```\n")
                    .append(ClassHistogram.growthTable(result.growth(10), result.openAtMeasure())).append("```\n\n");
        }
        verdicts().forEach(line -> md.append("- ").append(line).append('\n'));
        return md.toString();
    }

    /** A mermaid xychart of the connections established over time. */
    String chart() {
        List<Integer> cumulative = result.establishedBySecond();
        if (cumulative.isEmpty()) {
            return "";
        }
        // evenly spaced seconds, the last one the end of the connect pass
        int points = Math.min(CHART_POINTS, cumulative.size());
        StringJoiner xs = new StringJoiner(", ", "[", "]");
        StringJoiner ys = new StringJoiner(", ", "[", "]");
        xs.add("0");
        ys.add("0");
        for (int point = 1; point <= points; point++) {
            int at = (int) Math.round(point * cumulative.size() / (double) points);
            xs.add(String.valueOf(at));
            ys.add(String.valueOf(cumulative.get(at - 1)));
        }
        return "```mermaid\nxychart-beta\n"
                + "    title \"Connections established (welcome received) on one gateway\"\n"
                + "    x-axis \"seconds since the first connect\" " + xs + "\n"
                + "    y-axis \"connections\" 0 --> " + Math.max(result.requested(), 1) + "\n"
                + "    line " + ys + "\n```\n";
    }

    private String timeline() {
        StringBuilder csv = new StringBuilder("second,established_total\n");
        List<Integer> cumulative = result.establishedBySecond();
        for (int i = 0; i < cumulative.size(); i++) {
            csv.append(i + 1).append(',').append(cumulative.get(i)).append('\n');
        }
        return csv.toString();
    }

    private String histogram() {
        return String.format(Locale.ROOT, "%s (pid recorded in pids/%s.pid), %s%n%n", options.gatewayName(), options.gatewayName(),
                startedAt)
                + "Growth from before the connections to with " + result.openAtMeasure()
                + " connections (GC.class_histogram, live objects after a full GC), top " + HISTOGRAM_LINES + ":\n\n"
                + ClassHistogram.growthTable(result.growth(HISTOGRAM_LINES), result.openAtMeasure())
                + "\nWith the connections, top " + HISTOGRAM_LINES + " (jcmd GC.class_histogram as printed):\n\n"
                + result.after().histogram().head(HISTOGRAM_LINES) + "\n"
                + "\nBefore the connections, top " + HISTOGRAM_LINES + ":\n\n"
                + result.before().histogram().head(HISTOGRAM_LINES) + "\n";
    }

    private static void putCpu(ObjectNode node, Map<String, Double> seconds) {
        seconds.forEach((name, value) -> ResultFiles.putNumber(node, name, value));
    }

    private static String mib(long kib) {
        return String.format(Locale.ROOT, "%.1f", kib / 1024.0);
    }
}
