package io.rccs.gateway.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The per-connection token bucket and the sliding minute of violations, on a fake clock. */
class RateLimiterTest {

    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000 * MS;
    private static final long T0 = 123_456_789_000L;

    @Test
    void aBurstIsAllowedThenRefused() {
        RateLimiter limiter = new RateLimiter(10, 5, 20, T0);
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.tryAcquire(T0)).as("frame %d of the burst", i + 1).isTrue();
        }
        assertThat(limiter.tryAcquire(T0)).isFalse();
        assertThat(limiter.tryAcquire(T0 + MS)).as("1 ms refills a hundredth of a token").isFalse();
    }

    @Test
    void tokensRefillAtTheRateUpToTheBurst() {
        RateLimiter limiter = new RateLimiter(10, 5, 20, T0);
        for (int i = 0; i < 5; i++) {
            limiter.tryAcquire(T0);
        }
        assertThat(limiter.tryAcquire(T0)).isFalse();
        // 10 per second: one token every 100 ms
        assertThat(limiter.tryAcquire(T0 + 50 * MS)).isFalse();
        assertThat(limiter.tryAcquire(T0 + 101 * MS)).isTrue();
        assertThat(limiter.tryAcquire(T0 + 102 * MS)).isFalse();
        assertThat(limiter.tryAcquire(T0 + 302 * MS)).isTrue();
        assertThat(limiter.tryAcquire(T0 + 302 * MS)).isTrue();
        assertThat(limiter.tryAcquire(T0 + 302 * MS)).isFalse();

        // a long pause refills to the burst, never beyond it
        long later = T0 + 60 * SECOND;
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.tryAcquire(later)).as("frame %d after the pause", i + 1).isTrue();
        }
        assertThat(limiter.tryAcquire(later)).isFalse();
    }

    @Test
    void aSteadyRateAtTheLimitIsNeverRefused() {
        RateLimiter limiter = new RateLimiter(50, 100, 20, T0);
        for (int i = 1; i <= 1_000; i++) {
            assertThat(limiter.tryAcquire(T0 + i * 20 * MS)).as("frame %d", i).isTrue();
        }
    }

    @Test
    void theViolationAfterTheMaximumWithinAMinuteIsAbuse() {
        RateLimiter limiter = new RateLimiter(50, 100, 20, T0);
        for (int i = 0; i < 20; i++) {
            assertThat(limiter.recordViolation(T0 + i * SECOND)).as("violation %d", i + 1).isFalse();
        }
        assertThat(limiter.recordViolation(T0 + 20 * SECOND)).as("the 21st within a minute").isTrue();
    }

    @Test
    void violationsOlderThanAMinuteAgeOut() {
        RateLimiter limiter = new RateLimiter(50, 100, 20, T0);
        // 20 violations, one a second: T0 .. T0+19s
        for (int i = 0; i < 20; i++) {
            assertThat(limiter.recordViolation(T0 + i * SECOND)).isFalse();
        }
        // at T0+60.5s the first is over a minute old: 20 within the last minute, still allowed
        assertThat(limiter.recordViolation(T0 + 60 * SECOND + 500 * MS)).isFalse();
        // at T0+60.6s the last minute holds the ones from T0+1s on: 21 of them
        assertThat(limiter.recordViolation(T0 + 60 * SECOND + 600 * MS)).isTrue();

        // after a quiet minute everything has aged out
        long quiet = T0 + 200 * SECOND;
        for (int i = 0; i < 20; i++) {
            assertThat(limiter.recordViolation(quiet + i * MS)).as("violation %d after the pause", i + 1).isFalse();
        }
        assertThat(limiter.recordViolation(quiet + 20 * MS)).isTrue();
    }

    @Test
    void atLeastOneViolationMustBeAllowed() {
        assertThatThrownBy(() -> new RateLimiter(50, 100, 0, T0)).isInstanceOf(IllegalArgumentException.class);
    }
}
