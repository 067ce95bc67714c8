package io.rccs.bench;

import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

/**
 * Sends a step's frames on a fixed schedule, whatever the server does (an open model): frame
 * {@code k} is due at {@code start + k / rate} and is handed over at that time, carrying (or
 * remembered with) its due time, so a stall on either side shows up as latency instead of as fewer
 * frames offered. Nothing is skipped to catch up.
 */
final class OpenLoopDriver {

    /** Hands frame {@code k}, due at {@code dueNanos} ({@code System.nanoTime}), to a socket; must not block. */
    interface Emitter {
        void emit(int k, long dueNanos);
    }

    private OpenLoopDriver() {
    }

    /** When frame {@code k} of a schedule at {@code rate} per second starting at {@code startNanos} is due. */
    static long due(long startNanos, int rate, int k) {
        return startNanos + Math.round(k * (1e9 / rate));
    }

    /**
     * Blocks until every frame of the schedule has been handed to the emitter.
     *
     * @return how late, in microseconds, the frames were handed over compared with their due time
     */
    static Histogram drive(int rate, int count, long startNanos, Emitter emitter) {
        Histogram lagMicros = new Histogram(StepTracker.HIGHEST_MICROS, 3);
        for (int k = 0; k < count; k++) {
            long due = due(startNanos, rate, k);
            sleepUntil(due);
            emitter.emit(k, due);
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
