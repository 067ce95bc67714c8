package io.rccs.bench;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Everything counted for one rate step. Messages {@code 0 .. warmupCount-1} are the warm-up and are
 * not recorded; the rest are the measured window. Receivers on several threads write here at once.
 */
final class StepTracker {

    /** Latencies are recorded in microseconds, from 1 µs to 60 s, to three significant digits. */
    static final long HIGHEST_MICROS = 60_000_000L;

    final int index;
    final int rate;
    final int users;
    final int warmupCount;
    final int totalCount;

    private final Histogram latencyMicros = new ConcurrentHistogram(1, HIGHEST_MICROS, 3);
    private final Set<Integer> delivered = ConcurrentHashMap.newKeySet();
    private final Set<Integer> refused = ConcurrentHashMap.newKeySet();
    private final LongAdder sent = new LongAdder();
    private final LongAdder sendFailures = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder warmupDelivered = new LongAdder();
    private final LongAdder afterClose = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private volatile boolean closed;

    StepTracker(int index, int rate, int users, int warmupSeconds, int durationSeconds) {
        this.index = index;
        this.rate = rate;
        this.users = users;
        this.warmupCount = Math.multiplyExact(rate, warmupSeconds);
        this.totalCount = Math.addExact(warmupCount, Math.multiplyExact(rate, durationSeconds));
    }

    int measuredCount() {
        return totalCount - warmupCount;
    }

    boolean isMeasured(int message) {
        return message >= warmupCount;
    }

    void onSent(int message, Throwable failure) {
        if (failure != null) {
            sendFailures.increment();
        } else if (isMeasured(message)) {
            sent.increment();
        }
    }

    /** A message of this step arrived; latency counts from its intended send time (open model). */
    void onDelivered(int message, long intendedNanos, long receivedNanos) {
        if (closed) {
            afterClose.increment(); // too late for the drain: it stays "not delivered"
            return;
        }
        if (!isMeasured(message)) {
            warmupDelivered.increment();
            return;
        }
        if (!delivered.add(message)) {
            duplicates.increment();
            return;
        }
        long micros = Math.max(1, (receivedNanos - intendedNanos) / 1_000);
        latencyMicros.recordValue(Math.min(micros, HIGHEST_MICROS));
    }

    void onError(String code) {
        errors.computeIfAbsent(code, c -> new LongAdder()).increment();
    }

    /**
     * The server answered this frame with an error (a request whose answer names it by {@code corr}):
     * counted by code if measured, and nothing more will come for it.
     */
    void onRefused(int message, String code) {
        if (closed || !isMeasured(message)) {
            return;
        }
        if (refused.add(message) && !delivered.contains(message)) {
            onError(code);
        }
    }

    /** True once every measured message was handed to a socket (or failed) and every sent one arrived (or was refused). */
    boolean settled() {
        long handled = sent.sum() + sendFailures.sum();
        return handled >= measuredCount() && delivered.size() + refused.size() >= sent.sum();
    }

    /** Waits until the step {@linkplain #settled() settled} or the deadline ({@code System.nanoTime}) passed, then closes it. */
    void awaitSettled(long deadlineNanos) {
        while (!settled() && System.nanoTime() < deadlineNanos) {
            BenchThreads.pause(20);
        }
        close();
    }

    void close() {
        closed = true;
    }

    long sent() {
        return sent.sum();
    }

    long sendFailures() {
        return sendFailures.sum();
    }

    long delivered() {
        return delivered.size();
    }

    /** Measured frames the server answered with an error naming them, and that never arrived. */
    long refused() {
        return refused.stream().filter(k -> !delivered.contains(k)).count();
    }

    long duplicates() {
        return duplicates.sum();
    }

    long warmupDelivered() {
        return warmupDelivered.sum();
    }

    long afterClose() {
        return afterClose.sum();
    }

    Map<String, Long> errors() {
        Map<String, Long> copy = new TreeMap<>();
        errors.forEach((code, count) -> copy.put(code, count.sum()));
        return copy;
    }

    Histogram latencyMicros() {
        return latencyMicros.copy();
    }
}
