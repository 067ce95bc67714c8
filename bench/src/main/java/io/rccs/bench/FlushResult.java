package io.rccs.bench;

import java.util.Map;

/**
 * One flush run's outcome: a device that comes online with {@code commands} queued for it (SPEC 6:
 * "<= 1 s, in priority order"). Times in milliseconds from the desktop's hello; NaN when it never
 * happened (no command arrived; not all of them did).
 *
 * @param mix                  commands per priority
 * @param queued               submits whose QUEUED status reached the phone before the hello
 * @param refused              submits answered with an error, by code
 * @param dispatchedBeforeHello commands the queue sent while the desktop was away (its offline event
 *                             not yet seen): they wait again and come with the rest
 * @param received             distinct commands of the run that reached the desktop
 * @param duplicates           commands that arrived again
 * @param foreign              commands of other runs that arrived meanwhile
 * @param priorityMismatches   commands whose frame named another priority than the submit
 * @param orderViolations      neighbours out of delivery order; {@code firstViolation} says where (null: none)
 * @param finished             commands whose SUCCEEDED reached the phone by the end of the run
 */
record FlushResult(
        int run,
        int commands,
        Map<String, Integer> mix,
        int queued,
        Map<String, Long> refused,
        int dispatchedBeforeHello,
        int received,
        int duplicates,
        int foreign,
        int priorityMismatches,
        double welcomeMs,
        double firstMs,
        double lastMs,
        int orderViolations,
        String firstViolation,
        int finished) {

    /** SPEC 6: all of them within a second of coming online. */
    static final double TARGET_MS = 1_000;

    boolean complete() {
        return received == commands;
    }

    boolean inOrder() {
        return orderViolations == 0 && priorityMismatches == 0;
    }

    /** Every command arrived, in order, the last within the target. */
    boolean met() {
        return complete() && inOrder() && lastMs <= TARGET_MS;
    }
}
