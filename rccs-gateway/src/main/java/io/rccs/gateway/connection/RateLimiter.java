package io.rccs.gateway.connection;

/**
 * Per-connection token bucket for frames, plus a count of violations in a sliding minute. Not
 * thread-safe: websockets-next handles one connection's messages one at a time.
 */
public final class RateLimiter {

    private final double tokensPerNano;
    private final int burst;
    private double tokens;
    private long lastRefill;
    private final int maxViolationsPerMinute;
    /** The last violations' times, a ring; made at the first violation (most connections never have one). */
    private long[] violations;
    private int violationIndex;

    public RateLimiter(int perSecond, int burst, int maxViolationsPerMinute, long nowNanos) {
        this.tokensPerNano = perSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.lastRefill = nowNanos;
        if (maxViolationsPerMinute < 1) {
            throw new IllegalArgumentException("maxViolationsPerMinute must be at least 1");
        }
        this.maxViolationsPerMinute = maxViolationsPerMinute;
    }

    /** Takes one token; false when the connection is over its rate. */
    public boolean tryAcquire(long nowNanos) {
        tokens = Math.min(burst, tokens + (nowNanos - lastRefill) * tokensPerNano);
        lastRefill = nowNanos;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Records a violation; true when it is more than the allowed number within the last minute. */
    public synchronized boolean recordViolation(long nowNanos) {
        // also called from a refused renewal's callback, off the connection's event loop
        if (violations == null) {
            long[] ring = new long[maxViolationsPerMinute];
            java.util.Arrays.fill(ring, Long.MIN_VALUE);
            violations = ring;
        }
        long oldest = violations[violationIndex];
        violations[violationIndex] = nowNanos;
        violationIndex = (violationIndex + 1) % violations.length;
        // the ring holds the last N violations: if the oldest of them is under a minute old, N+1 happened within a minute
        return oldest != Long.MIN_VALUE && nowNanos - oldest < 60_000_000_000L;
    }
}
