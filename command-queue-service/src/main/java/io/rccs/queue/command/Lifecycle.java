package io.rccs.queue.command;

import java.time.Duration;
import java.time.Instant;
import java.util.function.DoubleSupplier;

import io.rccs.queue.QueueConfig;

/**
 * The timing rules of SPEC 3.3, free of I/O: what each transition does to a command and when the
 * scheduler must look at it next ({@code next_attempt_at}).
 * <ul>
 * <li>QUEUED: at {@code notBefore} or the end of its retry backoff; if its device is away then, it
 *     waits for the device's online event, and the scheduler looks again only at the expiry;</li>
 * <li>DISPATCHED: at the ack deadline (or the expiry, if sooner);</li>
 * <li>DELIVERED and every final status: never (a delivered command is running; its TTL bounded the
 *     wait for delivery, not the run).</li>
 * </ul>
 * Retries use exponential backoff with full jitter: the wait before attempt n+1 is uniform in
 * [0, min(cap, base * factor^(n-1))).
 */
public final class Lifecycle {

    private final Duration ackTimeout;
    private final Duration base;
    private final double factor;
    private final Duration cap;
    private final DoubleSupplier random;

    public Lifecycle(QueueConfig config, DoubleSupplier random) {
        this(config.ackTimeout(), config.backoffBase(), config.backoffFactor(), config.backoffCap(), random);
    }

    Lifecycle(Duration ackTimeout, Duration base, double factor, Duration cap, DoubleSupplier random) {
        this.ackTimeout = ackTimeout;
        this.base = base;
        this.factor = factor;
        this.cap = cap;
        this.random = random;
    }

    /** The backoff ceiling after {@code attempts} unacknowledged attempts (1 = after the first). */
    Duration ceiling(int attempts) {
        double millis = base.toMillis() * Math.pow(factor, Math.max(0, attempts - 1));
        return millis >= cap.toMillis() ? cap : Duration.ofMillis((long) millis);
    }

    /** A full-jitter wait below the ceiling. */
    Duration backoff(int attempts) {
        return Duration.ofMillis((long) (random.getAsDouble() * ceiling(attempts).toMillis()));
    }

    /** Sends it to the device: one more attempt counts, and the ack deadline starts. */
    void dispatch(Command c, String deviceId, Instant now) {
        c.targetDevice = deviceId;
        c.attempt++;
        c.dispatchedAt = now;
        c.moveTo(CommandStatus.DISPATCHED, now);
        c.nextAttemptAt = earlier(c.expiresAt, now.plus(ackTimeout));
    }

    /**
     * Sends it again to a device that reconnected: the attempt it had been sent in did not end in an
     * ack nor a timeout while online, so it does not count.
     */
    void redispatch(Command c, Instant now) {
        c.dispatchedAt = now;
        c.moveTo(CommandStatus.DISPATCHED, now);
        c.nextAttemptAt = earlier(c.expiresAt, now.plus(ackTimeout));
    }

    /** Its device went offline before acknowledging: the attempt does not count, and it waits for a device. */
    void backToQueue(Command c, Instant now) {
        c.attempt = Math.max(0, c.attempt - 1);
        c.moveTo(CommandStatus.QUEUED, now);
        c.nextAttemptAt = wakeWhenQueued(c, now);
    }

    /** The ack timed out while its device was online: retry after a jittered backoff. */
    void retryLater(Command c, Instant now) {
        c.moveTo(CommandStatus.QUEUED, now);
        c.nextAttemptAt = earlier(c.expiresAt, now.plus(backoff(c.attempt)));
    }

    /**
     * A queued command of a session whose owner changed: for the new owner now (an earlier backoff was
     * for the device before; no attempt counts). The dispatch right after the commit sends it if the
     * owner is online; the scheduler looks at it an ack timeout later (or at its notBefore) in case that
     * dispatch never ran, and not sooner, so that the two do not race and the owner gets the session's
     * commands in delivery order.
     */
    void retarget(Command c, String deviceId, Instant now) {
        c.targetDevice = deviceId;
        c.moveTo(CommandStatus.QUEUED, now);
        Instant due = wakeWhenQueued(c, now);
        Instant fallback = now.plus(ackTimeout);
        c.nextAttemptAt = earlier(c.expiresAt, due.isAfter(fallback) ? due : fallback);
    }

    /** Due but its device is away (or, without {@code to}, no capable device is online): wait for one until expiry. */
    void park(Command c) {
        c.nextAttemptAt = c.expiresAt;
    }

    /** When a queued command is next due: its {@code notBefore}, or now, and never after the expiry. */
    static Instant wakeWhenQueued(Command c, Instant now) {
        Instant due = c.notBefore != null && c.notBefore.isAfter(now) ? c.notBefore : now;
        return earlier(c.expiresAt, due);
    }

    void expire(Command c, Instant now) {
        c.moveTo(CommandStatus.EXPIRED, now);
        c.deadAt = now;
        c.nextAttemptAt = null;
        c.lastError = "not delivered within its ttl of " + c.ttlSec + " s";
    }

    void die(Command c, Instant now) {
        c.moveTo(CommandStatus.DEAD, now);
        c.deadAt = now;
        c.nextAttemptAt = null;
        c.lastError = "no acknowledgement after " + c.attempt + " attempt" + (c.attempt == 1 ? "" : "s");
    }

    void delivered(Command c, Instant now) {
        c.moveTo(CommandStatus.DELIVERED, now);
        c.nextAttemptAt = null;
    }

    void finish(Command c, CommandStatus outcome, Instant now) {
        c.moveTo(outcome, now);
        c.nextAttemptAt = null;
    }

    /** A dead letter back in the queue: fresh attempts, a fresh TTL from now, due at once. */
    void requeue(Command c, Instant now) {
        c.attempt = 0;
        c.expiresAt = now.plusSeconds(c.ttlSec);
        c.deadAt = null;
        c.lastError = null;
        c.moveTo(CommandStatus.QUEUED, now);
        c.nextAttemptAt = wakeWhenQueued(c, now);
    }

    static Instant earlier(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
