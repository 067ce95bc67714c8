package io.rccs.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The run as the receiving devices see it: which steps exist, which one is current (for errors, which
 * carry no step), and what arrived that is not ours (an earlier run's messages replayed after welcome,
 * an earlier run's commands flushed at connect).
 */
final class RunTracker {

    final String runId;
    /** Intended send times are nanoseconds since this instant of the bench JVM's {@code System.nanoTime}. */
    final long originNanos = System.nanoTime();

    private final Map<Integer, StepTracker> steps = new ConcurrentHashMap<>();
    private final LongAdder foreign = new LongAdder();
    private final LongAdder unattributedErrors = new LongAdder();
    private volatile StepTracker current;

    RunTracker(String runId) {
        this.runId = runId;
    }

    void begin(StepTracker step) {
        steps.put(step.index, step);
        current = step;
    }

    /** Frame {@code k} of a step (a message, a command) arrived; what names no step of this run counts as foreign. */
    void onArrival(String run, int step, int k, long intendedSinceOrigin, long receivedNanos) {
        StepTracker tracker = runId.equals(run) ? steps.get(step) : null;
        if (tracker == null) {
            foreign.increment();
            return;
        }
        tracker.onDelivered(k, originNanos + intendedSinceOrigin, receivedNanos);
    }

    /** Something arrived that belongs to no step of this run (an earlier run's command, say). */
    void onForeign() {
        foreign.increment();
    }

    /** The server refused frame {@code k} of a step (an error naming it by {@code corr}). */
    void onRefused(String run, int step, int k, String code) {
        StepTracker tracker = runId.equals(run) ? steps.get(step) : null;
        if (tracker == null) {
            onError(code);
        } else {
            tracker.onRefused(k, code);
        }
    }

    void onError(String code) {
        StepTracker step = current;
        if (step == null) {
            unattributedErrors.increment();
        } else {
            step.onError(code);
        }
    }

    /** Arrivals from an earlier run (or unreadable ones): ignored, but counted. */
    long foreignArrivals() {
        return foreign.sum();
    }

    /** Error frames that came while no step ran (while connecting, say). */
    long errorsOutsideSteps() {
        return unattributedErrors.sum();
    }
}
