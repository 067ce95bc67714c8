package io.rccs.bench;

import java.util.Locale;

/** How the reports write numbers: always with a dot, a dash for "no value". */
final class Numbers {

    private Numbers() {
    }

    /** Milliseconds with the precision that matters at their size. */
    static String millis(double ms) {
        if (Double.isNaN(ms)) {
            return "-";
        }
        if (ms < 10) {
            return String.format(Locale.ROOT, "%.2f", ms);
        }
        return ms < 100 ? String.format(Locale.ROOT, "%.1f", ms) : String.format(Locale.ROOT, "%.0f", ms);
    }

    static String percent(double ratio) {
        return Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.3f %%", ratio * 100);
    }

    static String seconds(Double seconds) {
        return seconds == null || seconds.isNaN() ? "-" : String.format(Locale.ROOT, "%.1f", seconds);
    }

    /** For CSV: full precision, empty for no value. */
    static String raw(double value) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.3f", value);
    }
}
