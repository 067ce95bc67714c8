package io.rccs.bench;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * CPU snapshots at the edges of a measured window, taken by the timer thread rather than by the
 * driver, which may be running late.
 */
final class CpuWindow {

    private final ScheduledFuture<ProcessCpu.Snapshot> before;
    private final ScheduledFuture<ProcessCpu.Snapshot> after;
    private final ProcessCpu cpu;

    private CpuWindow(ProcessCpu cpu, ScheduledFuture<ProcessCpu.Snapshot> before, ScheduledFuture<ProcessCpu.Snapshot> after) {
        this.cpu = cpu;
        this.before = before;
        this.after = after;
    }

    /** Schedules the snapshots at two {@code System.nanoTime} instants. */
    static CpuWindow schedule(ScheduledExecutorService timers, ProcessCpu cpu, long startNanos, long endNanos) {
        return new CpuWindow(cpu,
                timers.schedule(cpu::snapshot, startNanos - System.nanoTime(), TimeUnit.NANOSECONDS),
                timers.schedule(cpu::snapshot, endNanos - System.nanoTime(), TimeUnit.NANOSECONDS));
    }

    /** CPU seconds per process within the window; waits for the second snapshot. */
    Map<String, Double> seconds() {
        try {
            return cpu.secondsBetween(before.get(), after.get());
        } catch (ExecutionException e) {
            throw new BenchException("cannot read CPU times: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        }
    }
}
