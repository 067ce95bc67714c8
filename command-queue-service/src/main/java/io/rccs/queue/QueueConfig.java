package io.rccs.queue;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The command queue's settings (prefix {@code rccs.queue}). */
@ConfigMapping(prefix = "rccs.queue")
public interface QueueConfig {

    /** How long a dispatched command waits for {@code command.ack} before it is retried (SPEC 3.3). */
    @WithDefault("30s")
    Duration ackTimeout();

    /** The first retry's backoff ceiling; full jitter picks the wait uniformly below it. */
    @WithDefault("1s")
    Duration backoffBase();

    /** Each retry multiplies the ceiling by this. */
    @WithDefault("2")
    double backoffFactor();

    /** The largest backoff ceiling. */
    @WithDefault("5m")
    Duration backoffCap();

    /** How often each replica looks for due commands (not_before, retries, ack timeouts, expiry). */
    @WithDefault("250ms")
    Duration schedulerPoll();

    /** The most due commands one scheduler transaction claims. */
    @WithDefault("200")
    int schedulerBatch();

    /** The outbox sweep: publishes what no replica published right after its commit. */
    @WithDefault("500ms")
    Duration outboxSweep();

    /**
     * How old an outbox entry must be before the sweep publishes it: the replica that wrote it
     * normally publishes it within milliseconds of its commit.
     */
    @WithDefault("2s")
    Duration outboxGrace();

    /** How long the outbox sweep's lease lasts unless renewed (a replica that died hands over after it). */
    @WithDefault("10s")
    Duration leaseTtl();

    /** The most commands one {@code devices online} flush dispatches in a transaction (the rest follow). */
    @WithDefault("500")
    int flushBatch();

    /**
     * How often each replica counts the open commands by status and the outbox's entries for the
     * gauges {@code rccs_commands_open} and {@code rccs_outbox_pending} (one query, never per command).
     */
    @WithDefault("15s")
    Duration openCountInterval();
}
