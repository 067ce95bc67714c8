package io.rccs.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with a cap and jitter: attempt 1 waits about {@code base}, each further
 * attempt twice as long, never more than {@code cap}. The jitter (a random 50..100 % of the delay)
 * keeps many clients that lost the same gateway from coming back in lockstep.
 */
final class Backoff {

    private final long baseMillis;
    private final long capMillis;

    Backoff(Duration base, Duration cap) {
        this.baseMillis = Math.max(1, base.toMillis());
        this.capMillis = Math.max(baseMillis, cap.toMillis());
    }

    /** The delay before attempt {@code attempt} (1 = the first retry). */
    Duration delay(int attempt) {
        int doublings = Math.min(Math.max(attempt, 1) - 1, 30);
        long full = Math.min(capMillis, baseMillis << doublings);
        long jittered = full / 2 + ThreadLocalRandom.current().nextLong(full / 2 + 1);
        return Duration.ofMillis(jittered);
    }
}
