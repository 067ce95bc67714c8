package io.rccs.queue.command;

import java.util.List;

/** Priorities as stored: a higher rank is delivered first. */
public final class Priority {

    private static final List<String> BY_RANK = List.of("low", "normal", "high", "critical");

    private Priority() {
    }

    public static short rank(String priority) {
        int rank = BY_RANK.indexOf(priority);
        if (rank < 0) {
            throw new IllegalArgumentException("unknown priority " + priority);
        }
        return (short) rank;
    }

    public static String name(short rank) {
        return BY_RANK.get(rank);
    }
}
