package io.rccs.bench;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Keeps one device under the gateway's per-connection rate limit (50 frames/s, burst 100; 20
 * violations a minute close the socket with 4429) whatever the stack does: a token bucket of
 * {@link #PER_SECOND} frames/s and {@link #BURST} frames in front of the socket. A frame goes out at
 * once while the bucket has a token; otherwise it waits, and a timer sends it when one is due.
 * Urgent frames (acknowledgements, which the server waits for with a timeout) go before the others
 * ({@code command.result}, submits). Under the limit, as in every steady step of the benchmark, it
 * never delays anything; it matters when many commands arrive at once, as in a flush.
 */
final class PacedSender {

    /** Frames per second: under the gateway's 50, leaving room for clock differences. */
    static final double PER_SECOND = 45;
    /** Frames at once: half the gateway's burst of 100. */
    static final double BURST = 50;

    private record Pending(FrameSink sink, String text, SendChain.Outcome outcome) {
    }

    private final ScheduledExecutorService timer;
    private final LongSupplier clock;
    private final double perSecond;
    private final double burst;
    private final Deque<Pending> urgent = new ArrayDeque<>();
    private final Deque<Pending> later = new ArrayDeque<>();
    private double tokens;
    private long refilledAt;
    private boolean drainScheduled;

    /** At {@link #PER_SECOND} and {@link #BURST}; {@code timer} sends what had to wait. */
    PacedSender(ScheduledExecutorService timer) {
        this(timer, System::nanoTime, PER_SECOND, BURST);
    }

    PacedSender(ScheduledExecutorService timer, LongSupplier clock, double perSecond, double burst) {
        this.timer = timer;
        this.clock = clock;
        this.perSecond = perSecond;
        this.burst = burst;
        this.tokens = burst;
        this.refilledAt = clock.getAsLong();
    }

    /** Sends the frame to {@code sink} now if the rate allows, else as soon as it does (urgent ones first). */
    synchronized void send(FrameSink sink, String text, boolean isUrgent, SendChain.Outcome outcome) {
        (isUrgent ? urgent : later).add(new Pending(sink, text, outcome));
        drain();
    }

    /** Frames waiting for the rate. */
    synchronized int queued() {
        return urgent.size() + later.size();
    }

    private synchronized void drain() {
        long now = clock.getAsLong();
        tokens = Math.min(burst, tokens + (now - refilledAt) * perSecond / 1e9);
        refilledAt = now;
        while (tokens >= 1 && (!urgent.isEmpty() || !later.isEmpty())) {
            Pending next = urgent.isEmpty() ? later.poll() : urgent.poll();
            tokens -= 1;
            next.sink().send(next.text(), next.outcome());
        }
        if (!drainScheduled && !(urgent.isEmpty() && later.isEmpty())) {
            long waitNanos = (long) Math.ceil((1 - tokens) * 1e9 / perSecond);
            drainScheduled = true;
            try {
                timer.schedule(this::scheduledDrain, Math.max(1, waitNanos), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException shutDown) {
                drainScheduled = false; // the benchmark is ending: what waits is dropped with its sockets
            }
        }
    }

    private synchronized void scheduledDrain() {
        drainScheduled = false;
        drain();
    }
}
