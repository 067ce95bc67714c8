package io.rccs.bench;

import java.util.BitSet;

/**
 * The versions of one session as one device received them during one phase (SPEC 3.5: every device
 * gets the versions in order, so every device converges). Versions up to {@code after}, the session's
 * version when the phase began, belong to an earlier phase and are passed over. A version that
 * arrives for the first time above every one seen so far is in order (even past a gap: the gap counts
 * as missing unless it is filled later, and then that arrival is out of order); one below the highest
 * seen is out of order; one seen before is a duplicate. Listener threads record at once.
 */
final class VersionOrder {

    /** What one device (or several, {@link #plus}) received of the versions {@code (after, through]}. */
    record Counts(long inOrder, long outOfOrder, long duplicates, long missing) {

        static final Counts NONE = new Counts(0, 0, 0, 0);

        Counts plus(Counts other) {
            return new Counts(inOrder + other.inOrder, outOfOrder + other.outOfOrder, duplicates + other.duplicates,
                    missing + other.missing);
        }
    }

    private final long after;
    /** bit {@code v - after - 1}: version {@code v} arrived */
    private final BitSet seen = new BitSet();
    private long highest;
    private long inOrder;
    private long outOfOrder;
    private long duplicates;

    /** @param after the session's version when the phase began: it and older ones are not this phase's */
    VersionOrder(long after) {
        this.after = after;
        this.highest = after;
    }

    synchronized void record(long version) {
        if (version <= after || version - after > Integer.MAX_VALUE) {
            return;
        }
        int bit = (int) (version - after - 1);
        if (seen.get(bit)) {
            duplicates++;
            return;
        }
        seen.set(bit);
        if (version > highest) {
            highest = version;
            inOrder++;
        } else {
            outOfOrder++;
        }
    }

    /** @param through the session's version when the phase ended: every version up to it should have come */
    synchronized Counts counts(long through) {
        long expected = Math.max(0, through - after);
        long arrived = seen.get(0, (int) Math.min(expected, Integer.MAX_VALUE)).cardinality();
        return new Counts(inOrder, outOfOrder, duplicates, expected - arrived);
    }
}
