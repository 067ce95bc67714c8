package io.rccs.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.HdrHistogram.Histogram;

/** The outcome of one rate step, in the units the reports print (milliseconds, CPU seconds). */
record StepResult(
        int rate,
        int users,
        int durationSeconds,
        long offered,
        long sent,
        long sendFailures,
        long delivered,
        long refused,
        long duplicates,
        Map<String, Long> errors,
        double p50Ms,
        double p90Ms,
        double p99Ms,
        double p999Ms,
        double maxMs,
        double sendLagP99Ms,
        double sendLagMaxMs,
        Map<String, Double> cpuSeconds) {

    /** The order the stack's processes are listed in; others follow by name. */
    private static final List<String> PROCESS_ORDER = List.of("gateway-0", "gateway-1", "relay", "queue", "kafka",
            "postgres", "redis", "keycloak");

    static StepResult of(StepTracker step, int durationSeconds, Histogram sendLagMicros, Map<String, Double> cpuSeconds) {
        Histogram latency = step.latencyMicros();
        boolean any = latency.getTotalCount() > 0;
        return new StepResult(step.rate, step.users, durationSeconds, step.measuredCount(), step.sent(), step.sendFailures(),
                step.delivered(), step.refused(), step.duplicates(), step.errors(),
                any ? millis(latency.getValueAtPercentile(50)) : Double.NaN,
                any ? millis(latency.getValueAtPercentile(90)) : Double.NaN,
                any ? millis(latency.getValueAtPercentile(99)) : Double.NaN,
                any ? millis(latency.getValueAtPercentile(99.9)) : Double.NaN,
                any ? millis(latency.getMaxValue()) : Double.NaN,
                millis(sendLagMicros.getValueAtPercentile(99)),
                millis(sendLagMicros.getMaxValue()),
                cpuSeconds);
    }

    /** Delivered over sent; NaN when nothing was sent. */
    double deliveredRatio() {
        return sent == 0 ? Double.NaN : delivered / (double) sent;
    }

    /** Sent in the measured window, yet neither arrived nor refused before the drain ended. */
    long lost() {
        return Math.max(0, sent - delivered - refused);
    }

    long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Every process named in any step: the stack's in a fixed order, then the bench, then the machine. */
    static List<String> processNames(Collection<StepResult> results) {
        return processNamesOf(results.stream().map(StepResult::cpuSeconds).toList());
    }

    /** Every process named in any of these CPU readings (seconds by process), in the same order. */
    static List<String> processNamesOf(Collection<Map<String, Double>> cpuReadings) {
        Set<String> seen = new LinkedHashSet<>();
        cpuReadings.forEach(reading -> seen.addAll(reading.keySet()));
        List<String> names = new ArrayList<>();
        PROCESS_ORDER.stream().filter(seen::contains).forEach(names::add);
        seen.stream().sorted().filter(name -> !names.contains(name) && !name.equals(ProcessCpu.BENCH)
                && !name.equals(ProcessCpu.MACHINE)).forEach(names::add);
        if (seen.contains(ProcessCpu.BENCH)) {
            names.add(ProcessCpu.BENCH);
        }
        if (seen.contains(ProcessCpu.MACHINE)) {
            names.add(ProcessCpu.MACHINE);
        }
        return names;
    }

    private static double millis(long micros) {
        return micros / 1000.0;
    }
}
