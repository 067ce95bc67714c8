package io.rccs.bench;

import java.util.List;

import org.HdrHistogram.Histogram;

/** How many latencies a histogram (in microseconds) holds and its percentiles in milliseconds; NaN when empty. */
record Percentiles(long count, double p50Ms, double p90Ms, double p99Ms, double p999Ms, double maxMs) {

    static Percentiles of(Histogram micros) {
        if (micros.getTotalCount() == 0) {
            return new Percentiles(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        return new Percentiles(micros.getTotalCount(), millis(micros.getValueAtPercentile(50)),
                millis(micros.getValueAtPercentile(90)), millis(micros.getValueAtPercentile(99)),
                millis(micros.getValueAtPercentile(99.9)), millis(micros.getMaxValue()));
    }

    /** The cells of a table row: count, p50, p90, p99, p99.9, max. */
    List<String> cells() {
        return List.of(String.valueOf(count), Numbers.millis(p50Ms), Numbers.millis(p90Ms), Numbers.millis(p99Ms),
                Numbers.millis(p999Ms), Numbers.millis(maxMs));
    }

    /** The header cells matching {@link #cells()}. */
    static List<String> header(String count) {
        return List.of(count, "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms");
    }

    private static double millis(long micros) {
        return micros / 1000.0;
    }
}
