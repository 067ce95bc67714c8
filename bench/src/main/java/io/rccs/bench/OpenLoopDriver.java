package io.rccs.bench;

import java.util.List;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

/**
 * Sends one step's messages on a fixed schedule, whatever the server does (an open model): message
 * {@code k} is due at {@code start + k / rate}, goes to sender {@code k mod users}, and carries its due
 * time, so a stall on either side shows up as latency instead of as fewer messages offered.
 */
final class OpenLoopDriver {

    private final RunTracker run;
    private final MessageText messages;

    OpenLoopDriver(RunTracker run, MessageText messages) {
        this.run = run;
        this.messages = messages;
    }

    /**
     * Blocks until every message of the step has been handed to its sender's queue.
     *
     * @return how late, in microseconds, the messages were handed over compared with their due time
     */
    Histogram drive(StepTracker step, List<BenchUser> senders, long startNanos) {
        Histogram lagMicros = new Histogram(StepTracker.HIGHEST_MICROS, 3);
        double spacingNanos = 1e9 / step.rate;
        for (int k = 0; k < step.totalCount; k++) {
            long due = startNanos + Math.round(k * spacingNanos);
            sleepUntil(due);
            int message = k;
            senders.get(k % senders.size())
                    .send(messages.build(step.index, message, due - run.originNanos), failure -> step.onSent(message, failure));
            long lateMicros = (System.nanoTime() - due) / 1_000;
            lagMicros.recordValue(Math.max(0, Math.min(lateMicros, StepTracker.HIGHEST_MICROS)));
        }
        return lagMicros;
    }

    /** Parks rather than spins: the client shares the machine's two cores with the stack it measures. */
    private static void sleepUntil(long dueNanos) {
        long wait;
        while ((wait = dueNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }
}
