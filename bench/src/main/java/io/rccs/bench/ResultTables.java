package io.rccs.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The two result tables (latency and delivery; CPU seconds per process), as rows of cells, and
 * how to print them aligned for a terminal or as Markdown for docs/benchmarks.md.
 */
final class ResultTables {

    private ResultTables() {
    }

    /**
     * @param rate      the rate column's header ({@code msg/s}, {@code lists/s})
     * @param delivered what arriving is called ({@code delivered}, {@code answered})
     */
    static List<List<String>> latency(List<StepResult> results, String rate, String delivered) {
        return latency(results, rate, delivered, false);
    }

    /** The same, with a {@code lost} column (sent, yet not arrived when the drain ended) after the ratio when asked. */
    static List<List<String>> latency(List<StepResult> results, String rate, String delivered, boolean withLost) {
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of(rate, "users", "sent", delivered, delivered + "/sent"));
        if (withLost) {
            header.add("lost");
        }
        header.addAll(List.of("dup", "errors", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "send lag p99/max ms"));
        rows.add(header);
        for (StepResult r : results) {
            List<String> row = new ArrayList<>(List.of(String.valueOf(r.rate()), String.valueOf(r.users()), String.valueOf(r.sent()),
                    String.valueOf(r.delivered()), Numbers.percent(r.deliveredRatio())));
            if (withLost) {
                row.add(String.valueOf(r.lost()));
            }
            row.addAll(List.of(String.valueOf(r.duplicates()), errors(r.errors()), Numbers.millis(r.p50Ms()),
                    Numbers.millis(r.p90Ms()), Numbers.millis(r.p99Ms()), Numbers.millis(r.p999Ms()), Numbers.millis(r.maxMs()),
                    Numbers.millis(r.sendLagP99Ms()) + " / " + Numbers.millis(r.sendLagMaxMs())));
            rows.add(row);
        }
        return rows;
    }

    static List<List<String>> cpu(List<StepResult> results, String rate) {
        Map<String, Map<String, Double>> byRate = new LinkedHashMap<>();
        results.forEach(r -> byRate.put(String.valueOf(r.rate()), r.cpuSeconds()));
        return cpu(rate, byRate);
    }

    /**
     * CPU seconds per process, one row per labelled reading.
     *
     * @param first the first column's header (what the labels are)
     */
    static List<List<String>> cpu(String first, Map<String, Map<String, Double>> readings) {
        List<String> processes = StepResult.processNamesOf(readings.values());
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of(first));
        header.addAll(processes);
        rows.add(header);
        readings.forEach((label, seconds) -> {
            List<String> row = new ArrayList<>(List.of(label));
            processes.forEach(name -> row.add(Numbers.seconds(seconds.get(name))));
            rows.add(row);
        });
        return rows;
    }

    static String errors(Map<String, Long> errors) {
        return errors.isEmpty() ? "0"
                : errors.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    static String aligned(List<List<String>> rows) {
        int[] widths = new int[rows.get(0).size()];
        rows.forEach(row -> {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        });
        StringBuilder text = new StringBuilder();
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i);
                // numbers read best right-aligned; the header and every column here are numeric
                text.append(i == 0 ? "" : "  ").append(" ".repeat(widths[i] - cell.length())).append(cell);
            }
            text.append('\n');
        }
        return text.toString();
    }

    static String markdown(List<List<String>> rows) {
        StringBuilder text = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            text.append("| ").append(String.join(" | ", rows.get(r))).append(" |\n");
            if (r == 0) {
                text.append("|").append("---:|".repeat(rows.get(0).size())).append('\n');
            }
        }
        return text.toString();
    }
}
