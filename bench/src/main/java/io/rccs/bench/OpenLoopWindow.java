package io.rccs.bench;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

import org.HdrHistogram.Histogram;

/**
 * One measured step of an open-loop benchmark, the same for every benchmark: the warm-up and the
 * measured window are one continuous schedule ({@link OpenLoopDriver}) starting 200 ms from now; CPU
 * is sampled at the measured window's edges ({@link CpuWindow}); progress is reported every 10 s;
 * after the last frame the step waits up to the drain for the answers, then closes.
 */
final class OpenLoopWindow {

    static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);

    /** The step's phases, in seconds. */
    record Timing(int warmupSeconds, int durationSeconds, int drainSeconds) {
    }

    private OpenLoopWindow() {
    }

    /**
     * Runs the step's schedule of {@code step.totalCount} frames at {@code step.rate} and returns what
     * it measured. The caller has made the step current where its answers are counted.
     *
     * @param progress told the seconds since the schedule started, every 10 s, on the timer thread
     */
    static StepResult run(StepTracker step, Timing timing, ProcessCpu cpu, ScheduledExecutorService timers,
            LongConsumer progress, OpenLoopDriver.Emitter emitter) {
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        long measureStart = start + TimeUnit.SECONDS.toNanos(timing.warmupSeconds());
        long measureEnd = measureStart + TimeUnit.SECONDS.toNanos(timing.durationSeconds());
        CpuWindow window = CpuWindow.schedule(timers, cpu, measureStart, measureEnd);
        long progressNanos = PROGRESS_EVERY.toNanos();
        ScheduledFuture<?> report = timers.scheduleAtFixedRate(() -> progress.accept((System.nanoTime() - start) / 1_000_000_000L),
                progressNanos, progressNanos, TimeUnit.NANOSECONDS);
        Histogram sendLag;
        try {
            sendLag = OpenLoopDriver.drive(step.rate, step.totalCount, start, emitter);
            step.awaitSettled(Math.max(System.nanoTime(), measureEnd) + TimeUnit.SECONDS.toNanos(timing.drainSeconds()));
        } finally {
            report.cancel(false);
        }
        return StepResult.of(step, timing.durationSeconds(), sendLag, window.seconds());
    }
}
