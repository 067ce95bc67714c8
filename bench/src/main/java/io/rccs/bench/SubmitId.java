package io.rccs.bench;

/**
 * The frame id of a bench {@code command.submit}, {@code <run>-<series>-<k>}: the series is the step's
 * index for a latency step, {@code f<n>} for flush run {@code n}. The id is the command's idempotency
 * key, and the first {@code command.status} (QUEUED) and any {@code error} name it in {@code corr}.
 */
record SubmitId(String run, String series, int k) {

    private static final String FLUSH = "f";

    static SubmitId latency(String run, int step, int k) {
        return new SubmitId(run, String.valueOf(step), k);
    }

    static SubmitId flush(String run, int flushRun, int k) {
        return new SubmitId(run, FLUSH + flushRun, k);
    }

    String text() {
        return run + "-" + series + "-" + k;
    }

    boolean isFlush() {
        return series.startsWith(FLUSH);
    }

    /** The step's index, or the flush run's number. */
    int number() {
        return Integer.parseInt(isFlush() ? series.substring(FLUSH.length()) : series);
    }

    /** The id of one of our submits, or null for any other text (another client's, none). */
    static SubmitId parse(String id) {
        if (id == null) {
            return null;
        }
        String[] parts = id.split("-");
        if (parts.length != 3 || !parts[1].matches("f?\\d{1,9}")) {
            return null;
        }
        try {
            return new SubmitId(parts[0], parts[1], Integer.parseInt(parts[2]));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
