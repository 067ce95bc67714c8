package io.rccs.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Everything counted in the handoff part, over every user's {@link HandoffLoop}. A handoff belongs to
 * the measured window when its request left the client inside it; its latencies are recorded until
 * the part closes (after the drain). Listener threads and the pacers' timer write here at once.
 */
final class HandoffTracker {

    private final Histogram oldOwnerMicros = newHistogram();
    private final Histogram newOwnerMicros = newHistogram();
    private final Histogram phoneMicros = newHistogram();
    private final LongAdder started = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder completedAll = new LongAdder();
    private final LongAdder unfinished = new LongAdder();
    private final LongAdder unmatched = new LongAdder();
    private final Map<String, LongAdder> notAccepted = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private volatile boolean measuring;
    private volatile boolean closed;

    void beginMeasuring() {
        measuring = true;
    }

    void endMeasuring() {
        measuring = false;
    }

    boolean measuring() {
        return measuring;
    }

    void close() {
        closed = true;
    }

    /** A request left the client; returns whether the handoff it starts is measured. */
    boolean onRequestSent() {
        boolean measured = measuring && !closed;
        if (measured) {
            started.increment();
        }
        return measured;
    }

    /** The old owner was told the handoff was accepted. */
    void onOldOwnerDone(boolean measured, long micros) {
        completedAll.increment();
        if (measured && !closed) {
            completed.increment();
            record(oldOwnerMicros, micros);
        }
    }

    void onNewOwnerDone(boolean measured, long micros) {
        if (measured && !closed) {
            record(newOwnerMicros, micros);
        }
    }

    void onPhoneDone(boolean measured, long micros) {
        if (measured && !closed) {
            record(phoneMicros, micros);
        }
    }

    /** The old owner was told the handoff did not happen ({@code rejected}, {@code timeout}, ...). */
    void onNotAccepted(boolean measured, String reason) {
        if (measured && !closed) {
            notAccepted.computeIfAbsent(reason, r -> new LongAdder()).increment();
        }
    }

    /** An error frame: one answering a request or an accept of a measured handoff, or one that names none. */
    void onError(boolean measured, String code) {
        if (measured && !closed) {
            errors.computeIfAbsent(code, c -> new LongAdder()).increment();
        }
    }

    /** A measured handoff the old owner had not heard the end of when the part closed. */
    void onUnfinished() {
        unfinished.increment();
    }

    /** A {@code handoff.done} of a bench session that answers no handoff the loop knows of. */
    void onUnmatched() {
        unmatched.increment();
    }

    long started() {
        return started.sum();
    }

    long completed() {
        return completed.sum();
    }

    /** Completed handoffs, warm-up included: the progress line shows the loops move. */
    long completedAll() {
        return completedAll.sum();
    }

    long unfinished() {
        return unfinished.sum();
    }

    long unmatched() {
        return unmatched.sum();
    }

    Map<String, Long> notAccepted() {
        return sums(notAccepted);
    }

    Map<String, Long> errors() {
        return sums(errors);
    }

    Histogram oldOwnerMicros() {
        return oldOwnerMicros.copy();
    }

    Histogram newOwnerMicros() {
        return newOwnerMicros.copy();
    }

    Histogram phoneMicros() {
        return phoneMicros.copy();
    }

    static Histogram newHistogram() {
        return new ConcurrentHistogram(1, StepTracker.HIGHEST_MICROS, 3);
    }

    static void record(Histogram histogram, long micros) {
        histogram.recordValue(Math.max(1, Math.min(micros, StepTracker.HIGHEST_MICROS)));
    }

    static Map<String, Long> sums(Map<String, LongAdder> counters) {
        Map<String, Long> copy = new TreeMap<>();
        counters.forEach((key, count) -> copy.put(key, count.sum()));
        return copy;
    }
}
