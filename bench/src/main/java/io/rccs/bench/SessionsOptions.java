package io.rccs.bench;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/** The flags of {@code rccs-bench sessions}. */
record SessionsOptions(
        Path repo,
        int durationSeconds,
        int warmupSeconds,
        int drainSeconds,
        int users,
        int documentKib,
        int handoffRate,
        int patchRate,
        boolean handoff,
        boolean fanout,
        Path out,
        URI keycloak,
        List<URI> gateways,
        Path stateDir,
        String adminUser,
        String adminPassword,
        boolean help) {

    /**
     * The most patches/s one user's owner may send: its connection also acknowledges what it gets (up
     * to 10 acks/s), and every frame goes through a {@link PacedSender} of 45 frames/s.
     */
    static final int MAX_PATCHES_PER_USER = 30;
    /**
     * The most handoffs/s one user's loop may start: each handoff costs each desktop one frame (the
     * request or the accept) besides its acknowledgements, under the pacer's 45 frames/s.
     */
    static final int MAX_HANDOFFS_PER_USER = 30;
    /** The relay keeps documents up to 256 KiB; the handoff offer carries the whole document. */
    static final int MAX_DOCUMENT_KIB = 192;

    static final String USAGE = """
            usage: rccs-bench sessions [flags]            (./rccs bench sessions [flags])
              each user has two trusted desktops (bench-desktop-a on gateway 0, bench-desktop-b on gateway 1, both
              roo.task@1) and a phone (gateway 1) following one work session whose document is --document-kib KiB
              handoff: closed loop per user; the owner sends handoff.request to the other desktop, which accepts
              the handoff.offer at once; latency = request sent -> the old owner's handoff.done; then the roles swap
              and the next handoff starts (at most --handoff-rate a second)
              fanout: the owner patches /tick at a fixed offered rate (open model); latency = the state frame's
              arrival at each of the 3 devices minus the patch's intended send time; versions in order per device
              --duration 30                measured seconds per part
              --warmup 5                   seconds per part run the same way before measuring (not recorded)
              --drain 10                   at most this many seconds to wait for the last handoffs / state frames
              --users 5                    bench users (bench-session-01, ...), each with its own session
              --document-kib 64            the session document's size (at most %d); built by patches of at most
                                           about 24 KB, as a client frame may not exceed 64 KiB
              --handoff-rate 20            at most this many handoffs/s per user (at most %d: each desktop sends one
                                           frame per handoff, and every connection is paced to 45 frames/s)
              --patch-rate 100             fan-out patches/s over all users (at most %d per user: raise --users)
              --only handoff|fanout        run one part only
              --out docs/bench/sessions    where sessions.csv, sessions.json and sessions.md go
            """.formatted(MAX_DOCUMENT_KIB, MAX_HANDOFFS_PER_USER, MAX_PATCHES_PER_USER) + StackFlags.USAGE;

    static SessionsOptions parse(String[] args) {
        int duration = 30;
        int warmup = 5;
        int drain = 10;
        int users = 5;
        int documentKib = 64;
        int handoffRate = 20;
        int patchRate = 100;
        String only = null;
        boolean help = false;
        StackFlags stack = new StackFlags("docs/bench/sessions");
        for (Flags.Flag flag : Flags.parse(args)) {
            if (flag.isHelp()) {
                help = true;
                continue;
            }
            if (stack.accept(flag)) {
                continue;
            }
            String name = flag.name();
            String value = flag.value();
            switch (name) {
                case "--duration" -> duration = Flags.positive(name, value);
                case "--warmup" -> warmup = Flags.atLeastZero(name, value);
                case "--drain" -> drain = Flags.atLeastZero(name, value);
                case "--users" -> users = Flags.positive(name, value);
                case "--document-kib" -> documentKib = Flags.positive(name, value);
                case "--handoff-rate" -> handoffRate = Flags.positive(name, value);
                case "--patch-rate" -> patchRate = Flags.positive(name, value);
                case "--only" -> {
                    if (!value.equals("handoff") && !value.equals("fanout")) {
                        throw new UsageException("--only takes handoff or fanout, not '" + value + "'");
                    }
                    only = value;
                }
                default -> throw new UsageException("unknown flag " + name);
            }
        }
        if (documentKib > MAX_DOCUMENT_KIB) {
            throw new UsageException("--document-kib " + documentKib + " is more than " + MAX_DOCUMENT_KIB
                    + " (the relay keeps documents up to 256 KiB)");
        }
        if (handoffRate > MAX_HANDOFFS_PER_USER) {
            throw new UsageException("--handoff-rate " + handoffRate + " is more than " + MAX_HANDOFFS_PER_USER
                    + ": each desktop sends a frame per handoff besides its acknowledgements (raise --users instead)");
        }
        boolean fanout = !"handoff".equals(only);
        if (fanout && !help && patchesPerUser(patchRate, users) > MAX_PATCHES_PER_USER) {
            throw new UsageException(patchRate + " patches/s over " + users + " users is more than " + MAX_PATCHES_PER_USER
                    + " per user (the owner's connection also acknowledges what it gets): raise --users");
        }
        return new SessionsOptions(stack.repo(), duration, warmup, drain, users, documentKib, handoffRate, patchRate,
                !"fanout".equals(only),
                fanout, stack.out(), stack.keycloak(), stack.gateways(), stack.stateDir(), stack.adminUser(), stack.adminPassword(),
                help);
    }

    /** The document's size in bytes. */
    int documentBytes() {
        return documentKib * 1024;
    }

    /** The most patches/s any one user sends (patch k goes to user k mod users). */
    static int patchesPerUser(int patchRate, int users) {
        return (patchRate + users - 1) / users;
    }
}
