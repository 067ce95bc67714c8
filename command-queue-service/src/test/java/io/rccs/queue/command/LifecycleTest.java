package io.rccs.queue.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/** The timing rules of SPEC 3.3 without I/O: backoff ceilings, full jitter, and when a command is next due. */
class LifecycleTest {

    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    /** The defaults of SPEC 3.3: base 1 s, factor 2, cap 5 min, with the given source of randomness. */
    private static Lifecycle lifecycle(double random) {
        return new Lifecycle(ACK_TIMEOUT, Duration.ofSeconds(1), 2, Duration.ofMinutes(5), () -> random);
    }

    @Test
    void theCeilingDoublesFromTheBaseUpToTheCap() {
        Lifecycle l = lifecycle(0);
        assertThat(IntStream.rangeClosed(1, 8).mapToObj(l::ceiling)).containsExactly(Duration.ofSeconds(1),
                Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(16),
                Duration.ofSeconds(32), Duration.ofSeconds(64), Duration.ofSeconds(128));
        assertThat(l.ceiling(9)).isEqualTo(Duration.ofSeconds(256));
        assertThat(l.ceiling(10)).as("512 s capped").isEqualTo(Duration.ofMinutes(5));
        assertThat(l.ceiling(100)).isEqualTo(Duration.ofMinutes(5));
        assertThat(l.ceiling(5000)).as("no overflow far out").isEqualTo(Duration.ofMinutes(5));
        assertThat(l.ceiling(0)).as("before any attempt: the base").isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void fullJitterIsUniformBelowTheCeiling() {
        assertThat(lifecycle(0).backoff(3)).isEqualTo(Duration.ZERO);
        assertThat(lifecycle(0.5).backoff(3)).isEqualTo(Duration.ofSeconds(2));
        assertThat(lifecycle(0.999_999_9).backoff(3)).isLessThan(Duration.ofSeconds(4)).isGreaterThan(Duration.ofMillis(3990));
        assertThat(lifecycle(0.999_999_9).backoff(50)).isLessThan(Duration.ofMinutes(5));

        Lifecycle random = new Lifecycle(ACK_TIMEOUT, Duration.ofSeconds(1), 2, Duration.ofMinutes(5),
                () -> ThreadLocalRandom.current().nextDouble());
        for (int attempts = 1; attempts <= 12; attempts++) {
            Duration ceiling = random.ceiling(attempts);
            long below = 0;
            for (int i = 0; i < 2000; i++) {
                Duration wait = random.backoff(attempts);
                assertThat(wait).isGreaterThanOrEqualTo(Duration.ZERO).isLessThan(ceiling);
                below += wait.compareTo(ceiling.dividedBy(2)) < 0 ? 1 : 0;
            }
            // uniform: about half below the middle (2000 draws: 1000 +- 5 sigma)
            assertThat(below).as("draws below half the ceiling after %d attempts", attempts).isBetween(888L, 1112L);
        }
    }

    @Test
    void aQueuedCommandWakesAtNotBeforeButNeverAfterItsExpiry() {
        Command c = command(NOW.plusSeconds(60), null);
        assertThat(Lifecycle.wakeWhenQueued(c, NOW)).as("no notBefore: now").isEqualTo(NOW);
        c.notBefore = NOW.minusSeconds(5);
        assertThat(Lifecycle.wakeWhenQueued(c, NOW)).as("notBefore passed: now").isEqualTo(NOW);
        c.notBefore = NOW.plusSeconds(10);
        assertThat(Lifecycle.wakeWhenQueued(c, NOW)).as("notBefore ahead").isEqualTo(NOW.plusSeconds(10));
        c.notBefore = NOW.plusSeconds(120);
        assertThat(Lifecycle.wakeWhenQueued(c, NOW)).as("notBefore after the expiry: the expiry").isEqualTo(NOW.plusSeconds(60));
        c.notBefore = null;
        c.expiresAt = NOW.minusSeconds(1);
        assertThat(Lifecycle.wakeWhenQueued(c, NOW)).as("already expired: at once, to expire").isEqualTo(NOW.minusSeconds(1));
    }

    @Test
    void aDispatchCountsAnAttemptAndWaitsForTheAckOrTheExpiry() {
        Lifecycle l = lifecycle(0.5);
        Command c = command(NOW.plusSeconds(3600), null);
        l.dispatch(c, "desk", NOW);
        assertThat(c.status).isEqualTo(CommandStatus.DISPATCHED);
        assertThat(c.attempt).isEqualTo(1);
        assertThat(c.version).isEqualTo(2);
        assertThat(c.targetDevice).isEqualTo("desk");
        assertThat(c.dispatchedAt).isEqualTo(NOW);
        assertThat(c.nextAttemptAt).isEqualTo(NOW.plus(ACK_TIMEOUT));

        Command soon = command(NOW.plusSeconds(10), null);
        l.dispatch(soon, "desk", NOW);
        assertThat(soon.nextAttemptAt).as("the expiry comes before the ack deadline").isEqualTo(NOW.plusSeconds(10));
    }

    @Test
    void anAckTimeoutRetriesAfterTheJitteredBackoffOfItsAttempt() {
        Lifecycle l = lifecycle(0.5);
        Command c = command(NOW.plusSeconds(3600), null);
        l.dispatch(c, "desk", NOW);
        l.dispatch(c, "desk", NOW); // attempt 2
        Instant later = NOW.plus(ACK_TIMEOUT);
        l.retryLater(c, later);
        assertThat(c.status).isEqualTo(CommandStatus.QUEUED);
        assertThat(c.attempt).as("an online timeout counts").isEqualTo(2);
        assertThat(c.nextAttemptAt).as("half of the 2 s ceiling").isEqualTo(later.plusSeconds(1));

        Command expiring = command(NOW.plusMillis(30_200), null);
        l.dispatch(expiring, "desk", NOW);
        l.retryLater(expiring, later);
        assertThat(expiring.nextAttemptAt).as("never after the expiry (the wait would end at 30.5 s)").isEqualTo(NOW.plusMillis(30_200));
    }

    @Test
    void anOfflineDeviceGivesItsAttemptBack() {
        Lifecycle l = lifecycle(0.5);
        Command c = command(NOW.plusSeconds(3600), NOW.plusSeconds(-1));
        l.dispatch(c, "desk", NOW);
        l.backToQueue(c, NOW.plusSeconds(1));
        assertThat(c.status).isEqualTo(CommandStatus.QUEUED);
        assertThat(c.attempt).isZero();
        assertThat(c.nextAttemptAt).isEqualTo(NOW.plusSeconds(1));
        l.backToQueue(c, NOW.plusSeconds(2));
        assertThat(c.attempt).as("never below zero").isZero();
        l.redispatch(c, NOW.plusSeconds(3));
        assertThat(c.status).isEqualTo(CommandStatus.DISPATCHED);
        assertThat(c.attempt).as("a redispatch to a reconnected device does not count").isZero();
        assertThat(c.nextAttemptAt).isEqualTo(NOW.plusSeconds(3).plus(ACK_TIMEOUT));
        l.park(c);
        assertThat(c.nextAttemptAt).isEqualTo(c.expiresAt);
    }

    @Test
    void deadLettersAndTheirRequeue() {
        Lifecycle l = lifecycle(0.5);
        Command expired = command(NOW, null);
        l.expire(expired, NOW);
        assertThat(expired.status).isEqualTo(CommandStatus.EXPIRED);
        assertThat(expired.deadAt).isEqualTo(NOW);
        assertThat(expired.nextAttemptAt).isNull();
        assertThat(expired.lastError).isEqualTo("not delivered within its ttl of 60 s");

        Command dead = command(NOW.plusSeconds(60), null);
        l.dispatch(dead, "desk", NOW);
        l.die(dead, NOW.plusSeconds(30));
        assertThat(dead.status).isEqualTo(CommandStatus.DEAD);
        assertThat(dead.lastError).isEqualTo("no acknowledgement after 1 attempt");
        assertThat(dead.deadAt).isEqualTo(NOW.plusSeconds(30));

        Instant requeued = NOW.plusSeconds(600);
        long version = dead.version;
        l.requeue(dead, requeued);
        assertThat(dead.status).isEqualTo(CommandStatus.QUEUED);
        assertThat(dead.attempt).isZero();
        assertThat(dead.deadAt).isNull();
        assertThat(dead.lastError).isNull();
        assertThat(dead.expiresAt).as("a fresh ttl").isEqualTo(requeued.plusSeconds(60));
        assertThat(dead.nextAttemptAt).isEqualTo(requeued);
        assertThat(dead.version).isEqualTo(version + 1);

        Command later = command(NOW, NOW.plusSeconds(630));
        l.expire(later, NOW);
        l.requeue(later, requeued);
        assertThat(later.nextAttemptAt).as("its notBefore still holds").isEqualTo(NOW.plusSeconds(630));
    }

    @Test
    void aSessionsQueuedCommandFollowsANewOwnerWithoutCountingAnAttempt() {
        Lifecycle l = lifecycle(0.5);
        Command c = command(NOW.plusSeconds(3600), null);
        l.dispatch(c, "desk", NOW);
        l.retryLater(c, NOW.plus(ACK_TIMEOUT)); // in its backoff for the old owner
        Instant handedOff = NOW.plusSeconds(31);
        l.retarget(c, "laptop", handedOff);
        assertThat(c.status).isEqualTo(CommandStatus.QUEUED);
        assertThat(c.targetDevice).isEqualTo("laptop");
        assertThat(c.attempt).as("the attempt on the old owner stays counted, none is added").isEqualTo(1);
        assertThat(c.version).isEqualTo(4);
        assertThat(c.nextAttemptAt).as("the scheduler's fallback: an ack timeout on").isEqualTo(handedOff.plus(ACK_TIMEOUT));

        Command later = command(NOW.plusSeconds(3600), NOW.plusSeconds(600));
        l.retarget(later, "laptop", NOW);
        assertThat(later.nextAttemptAt).as("its notBefore, when that is later").isEqualTo(NOW.plusSeconds(600));
        Command expiring = command(NOW.plusSeconds(5), null);
        l.retarget(expiring, "laptop", NOW);
        assertThat(expiring.nextAttemptAt).as("never after the expiry").isEqualTo(NOW.plusSeconds(5));
    }

    @Test
    void finishingStopsTheScheduler() {
        Lifecycle l = lifecycle(0.5);
        Command c = command(NOW.plusSeconds(60), null);
        l.dispatch(c, "desk", NOW);
        l.delivered(c, NOW);
        assertThat(c.status).isEqualTo(CommandStatus.DELIVERED);
        assertThat(c.nextAttemptAt).as("a delivered command does not expire").isNull();
        l.finish(c, CommandStatus.SUCCEEDED, NOW);
        assertThat(c.status.terminal()).isTrue();
        assertThat(c.version).isEqualTo(4);
    }

    /** A fresh QUEUED command, ttl 60 s, expiring at {@code expiresAt}. */
    private static Command command(Instant expiresAt, Instant notBefore) {
        Command c = new Command();
        c.commandId = UUID.randomUUID();
        c.userId = "user";
        c.senderDevice = "phone";
        c.submitId = "submit";
        c.name = "build";
        c.status = CommandStatus.QUEUED;
        c.maxAttempts = 3;
        c.ttlSec = 60;
        c.expiresAt = expiresAt;
        c.notBefore = notBefore;
        c.version = 1;
        c.createdAt = NOW;
        c.updatedAt = NOW;
        c.nextAttemptAt = Lifecycle.wakeWhenQueued(c, NOW);
        return c;
    }
}
