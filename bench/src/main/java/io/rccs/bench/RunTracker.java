package io.rccs.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The run as the receivers see it: which steps exist, which one is current (for errors, which carry
 * no step), and what arrived that is not ours (an earlier run's messages replayed after welcome).
 */
final class RunTracker {

    final String runId;
    /** Message send times are nanoseconds since this instant of the bench JVM's {@code System.nanoTime}. */
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

    void onMessage(String run, int step, int message, long intendedSinceOrigin, long receivedNanos) {
        StepTracker tracker = runId.equals(run) ? steps.get(step) : null;
        if (tracker == null) {
            foreign.increment();
            return;
        }
        tracker.onDelivered(message, originNanos + intendedSinceOrigin, receivedNanos);
    }

    void onError(String code) {
        StepTracker step = current;
        if (step == null) {
            unattributedErrors.increment();
        } else {
            step.onError(code);
        }
    }

    /** Messages from an earlier run (or unreadable ones): ignored, but counted. */
    long foreignMessages() {
        return foreign.sum();
    }

    /** Error frames that came while no step ran (while connecting, say). */
    long errorsOutsideSteps() {
        return unattributedErrors.sum();
    }
}
