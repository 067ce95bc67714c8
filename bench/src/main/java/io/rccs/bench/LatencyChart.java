package io.rccs.bench;

import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import java.util.stream.DoubleStream;

/**
 * The latency-versus-rate chart as hand-written SVG: one line per percentile on a log latency axis
 * against the offered rate (log too, as the rates usually double), with the SPEC's p99 target
 * dashed across. No chart library, so the benchmark jar stays small and the output is plain text.
 */
final class LatencyChart {

    /** What a benchmark's chart says: its title, what was measured, the rate's unit and the SPEC 6 p99 target. */
    record Labels(String title, String subtitle, String rateUnit, double targetP99Ms) {
    }

    /** SPEC 6: p99 <= 25 ms for device-to-device routing at 2,000 msg/s. */
    static final Labels MESSAGES = new Labels("RCCS message latency versus offered rate",
            "device to device across two gateways; latency from the intended send time (open model)", "msg/s", 25);

    private static final int WIDTH = 780;
    private static final int HEIGHT = 480;
    private static final int LEFT = 80;
    private static final int RIGHT = 180;
    private static final int TOP = 84;
    private static final int BOTTOM = 80;
    private static final int PLOT_WIDTH = WIDTH - LEFT - RIGHT;
    private static final int PLOT_HEIGHT = HEIGHT - TOP - BOTTOM;

    private record Series(String label, String color, ToDoubleFunction<StepResult> millis) {
    }

    private static final List<Series> SERIES = List.of(
            new Series("p50", "#1f77b4", StepResult::p50Ms),
            new Series("p99", "#ff7f0e", StepResult::p99Ms),
            new Series("p99.9", "#d62728", StepResult::p999Ms));

    private final List<StepResult> results;
    private final MachineInfo machine;
    private final Labels labels;
    private final double rateLow;
    private final double rateHigh;
    private final double millisLow;
    private final double millisHigh;

    LatencyChart(List<StepResult> results, MachineInfo machine, Labels labels) {
        this.results = results.stream().sorted(Comparator.comparingInt(StepResult::rate)).toList();
        this.machine = machine;
        this.labels = labels;
        int minRate = this.results.isEmpty() ? 1 : this.results.get(0).rate();
        int maxRate = this.results.isEmpty() ? 10 : this.results.get(this.results.size() - 1).rate();
        // some room either side of the outermost rates; a single rate still gets a sensible span
        this.rateLow = minRate / (minRate == maxRate ? 2.0 : 1.3);
        this.rateHigh = maxRate * (minRate == maxRate ? 2.0 : 1.3);
        double[] values = DoubleStream.concat(
                this.results.stream().flatMapToDouble(r -> SERIES.stream().mapToDouble(s -> s.millis().applyAsDouble(r))),
                DoubleStream.of(labels.targetP99Ms())).filter(v -> !Double.isNaN(v) && v > 0).toArray();
        double smallest = Math.max(0.01, DoubleStream.of(values).min().orElse(1));
        double largest = DoubleStream.of(values).max().orElse(100);
        this.millisLow = Math.pow(10, Math.floor(Math.log10(smallest)));
        double high = Math.pow(10, Math.ceil(Math.log10(largest)));
        this.millisHigh = high <= millisLow ? millisLow * 10 : high;
    }

    String svg() {
        StringBuilder svg = new StringBuilder();
        svg.append(format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append(format("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", WIDTH, HEIGHT));
        title(svg);
        latencyGrid(svg);
        rateTicks(svg);
        axes(svg);
        target(svg);
        SERIES.forEach(series -> line(svg, series));
        legend(svg);
        return svg.append("</svg>\n").toString();
    }

    private void title(StringBuilder svg) {
        svg.append(format("<text x=\"%d\" y=\"26\" font-size=\"16\" font-weight=\"bold\">%s</text>\n", LEFT,
                escape(labels.title())));
        svg.append(format("<text x=\"%d\" y=\"46\" fill=\"#555\">%s</text>\n", LEFT, escape(labels.subtitle())));
        svg.append(format("<text x=\"%d\" y=\"62\" fill=\"#555\">%s</text>\n", LEFT, escape(
                "the benchmark client and the whole stack share one machine: " + machine.brief())));
    }

    private void latencyGrid(StringBuilder svg) {
        boolean fewDecades = Math.log10(millisHigh / millisLow) <= 3.01;
        for (double decade = millisLow; decade <= millisHigh * 1.0001; decade *= 10) {
            for (int step : new int[] {2, 5}) {
                double minor = decade * step;
                if (minor < millisHigh) {
                    svg.append(format("<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>\n",
                            LEFT, LEFT + PLOT_WIDTH, y(minor), y(minor)));
                    if (fewDecades) { // with room to spare, 2 and 5 help reading values off the log axis
                        svg.append(format("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" dominant-baseline=\"middle\" "
                                + "font-size=\"10\" fill=\"#888\">%s</text>\n", LEFT - 8, y(minor), plain(minor)));
                    }
                }
            }
            svg.append(format("<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ccc\"/>\n",
                    LEFT, LEFT + PLOT_WIDTH, y(decade), y(decade)));
            svg.append(format("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" dominant-baseline=\"middle\">%s</text>\n",
                    LEFT - 8, y(decade), plain(decade)));
        }
        svg.append(format("<text transform=\"translate(22 %d) rotate(-90)\" text-anchor=\"middle\">latency (ms, log scale)</text>\n",
                TOP + PLOT_HEIGHT / 2));
    }

    private void rateTicks(StringBuilder svg) {
        int bottom = TOP + PLOT_HEIGHT;
        for (StepResult r : results) {
            double x = x(r.rate());
            svg.append(format("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#eee\"/>\n", x, x, TOP, bottom));
            svg.append(format("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", x, bottom + 18, r.rate()));
            svg.append(format("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\" fill=\"#777\">%s</text>\n",
                    x, bottom + 32, escape(Numbers.percent(r.deliveredRatio()) + " delivered")));
        }
        svg.append(format("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">offered rate (%s, log scale)</text>\n",
                LEFT + PLOT_WIDTH / 2, bottom + 56, escape(labels.rateUnit())));
    }

    private void axes(StringBuilder svg) {
        int bottom = TOP + PLOT_HEIGHT;
        svg.append(format("<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", LEFT, LEFT, TOP, bottom));
        svg.append(format("<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", LEFT, LEFT + PLOT_WIDTH, bottom, bottom));
    }

    private void target(StringBuilder svg) {
        double y = y(labels.targetP99Ms());
        svg.append(format("<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#444\" stroke-width=\"1.5\" "
                + "stroke-dasharray=\"6 4\"/>\n", LEFT, LEFT + PLOT_WIDTH, y, y));
    }

    private void line(StringBuilder svg, Series series) {
        StringBuilder points = new StringBuilder();
        StringBuilder markers = new StringBuilder();
        for (StepResult r : results) {
            double ms = series.millis().applyAsDouble(r);
            if (Double.isNaN(ms) || ms <= 0) {
                continue; // nothing delivered at this rate: no point rather than a made-up one
            }
            double x = x(r.rate());
            double y = y(Math.max(ms, millisLow));
            points.append(format("%.1f,%.1f ", x, y));
            markers.append(format("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>%s at %d %s: %s ms</title></circle>\n",
                    x, y, series.color(), series.label(), r.rate(), escape(labels.rateUnit()), Numbers.millis(ms)));
        }
        if (points.length() > 0) {
            svg.append(format("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>\n",
                    series.color(), points.toString().trim()));
        }
        svg.append(markers);
    }

    private void legend(StringBuilder svg) {
        int x = LEFT + PLOT_WIDTH + 20;
        int y = TOP + 10;
        for (Series series : SERIES) {
            svg.append(format("<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>\n",
                    x, x + 24, y, y, series.color()));
            svg.append(format("<circle cx=\"%d\" cy=\"%d\" r=\"3.5\" fill=\"%s\"/>\n", x + 12, y, series.color()));
            svg.append(format("<text x=\"%d\" y=\"%d\" dominant-baseline=\"middle\">%s</text>\n", x + 32, y, series.label()));
            y += 22;
        }
        svg.append(format("<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#444\" stroke-width=\"1.5\" "
                + "stroke-dasharray=\"6 4\"/>\n", x, x + 24, y, y));
        svg.append(format("<text x=\"%d\" y=\"%d\" dominant-baseline=\"middle\">p99 target %s ms</text>\n",
                x + 32, y, plain(labels.targetP99Ms())));
    }

    private double x(double rate) {
        return LEFT + (Math.log(rate) - Math.log(rateLow)) / (Math.log(rateHigh) - Math.log(rateLow)) * PLOT_WIDTH;
    }

    private double y(double millis) {
        double share = (Math.log10(millis) - Math.log10(millisLow)) / (Math.log10(millisHigh) - Math.log10(millisLow));
        return TOP + PLOT_HEIGHT - share * PLOT_HEIGHT;
    }

    /** 0.01, 0.1, 1, 10, 100 rather than 1.0E-2 and the like. */
    private static String plain(double value) {
        return new BigDecimal(String.format(Locale.ROOT, "%.4f", value)).stripTrailingZeros().toPlainString();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }
}
