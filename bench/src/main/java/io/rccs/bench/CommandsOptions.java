package io.rccs.bench;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/** The flags of {@code rccs-bench commands}, with the defaults the issue asks for. */
record CommandsOptions(
        Path repo,
        List<Integer> rates,
        int durationSeconds,
        int warmupSeconds,
        int drainSeconds,
        int users,
        int perUserRate,
        int flushRuns,
        int flushCommands,
        int flushSubmitRate,
        int flushTimeoutSeconds,
        boolean latency,
        boolean flush,
        Path out,
        URI keycloak,
        List<URI> gateways,
        Path stateDir,
        String adminUser,
        String adminPassword,
        boolean help) {

    /**
     * The most commands/s one user may carry: its desktop answers each with two frames (ack, result)
     * and every frame of a device goes through a {@link PacedSender} of 45 frames/s.
     */
    static final int MAX_PER_USER_RATE = (int) (PacedSender.PER_SECOND / 2);
    /**
     * The most commands one flush may queue: the desktop acknowledges them paced ({@link PacedSender}),
     * and the last ack must leave well within the queue's ack timeout (30 s), or the queue sends the
     * command again.
     */
    static final int MAX_FLUSH_COMMANDS = 1_200;

    static final String USAGE = """
            usage: rccs-bench commands [flags]            (./rccs bench commands [flags])
              latency: each user's phone (gateway 1) submits commands to its desktop (gateway 0) at a fixed
              offered rate; latency = the command frame's arrival at the desktop minus the submit's intended time
              --rates 100,500,1000         offered rates in commands/s, one step each
              --duration 30                measured seconds per step
              --warmup 5                   seconds per step submitted at the same rate before measuring (not recorded)
              --drain 10                   at most this many seconds to wait for the last commands after a step;
                                           what has not arrived then counts as lost
              --users 5                    at least this many bench users (bench-cmd-01, ...), each a desktop + a phone
              --per-user-rate 20           at most this many commands/s per user: a step whose rate needs more users
                                           uses more (the desktop sends 2 frames per command; the gateway allows
                                           50 frames/s per connection; at most %d)
              flush: the desktop of user bench-cmd-flush goes offline, its phone queues --flush-commands commands
              of mixed priorities, the desktop says hello again; time from hello to the last command, and the order
              --flush-runs 3               flush runs, one after the other (0: no flush)
              --flush-commands 1000        commands queued per run (at most %d: the desktop's paced acks must
                                           all leave within the queue's 30 s ack timeout)
              --flush-submit-rate 30       commands/s the phone submits while queueing (under the gateway's limit)
              --flush-timeout 30           at most this many seconds from hello to the last command
              --only latency|flush         run one part only
              --out docs/bench/commands    where commands.csv, commands-flush.csv, commands.json, commands.md and
                                           commands-latency.svg go
            """.formatted(MAX_PER_USER_RATE, MAX_FLUSH_COMMANDS) + StackFlags.USAGE;

    static CommandsOptions parse(String[] args) {
        List<Integer> rates = List.of(100, 500, 1000);
        int duration = 30;
        int warmup = 5;
        int drain = 10;
        int users = 5;
        int perUserRate = 20;
        int flushRuns = 3;
        int flushCommands = 1000;
        int flushSubmitRate = 30;
        int flushTimeout = 30;
        String only = null;
        boolean help = false;
        StackFlags stack = new StackFlags("docs/bench/commands");
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
                case "--rates" -> rates = Flags.positiveList(name, value);
                case "--duration" -> duration = Flags.positive(name, value);
                case "--warmup" -> warmup = Flags.atLeastZero(name, value);
                case "--drain" -> drain = Flags.atLeastZero(name, value);
                case "--users" -> users = Flags.positive(name, value);
                case "--per-user-rate" -> perUserRate = Flags.positive(name, value);
                case "--flush-runs" -> flushRuns = Flags.atLeastZero(name, value);
                case "--flush-commands" -> flushCommands = Flags.positive(name, value);
                case "--flush-submit-rate" -> flushSubmitRate = Flags.positive(name, value);
                case "--flush-timeout" -> flushTimeout = Flags.positive(name, value);
                case "--only" -> {
                    if (!value.equals("latency") && !value.equals("flush")) {
                        throw new UsageException("--only takes latency or flush, not '" + value + "'");
                    }
                    only = value;
                }
                default -> throw new UsageException("unknown flag " + name);
            }
        }
        if (perUserRate > MAX_PER_USER_RATE) {
            throw new UsageException("--per-user-rate " + perUserRate + " is more than " + MAX_PER_USER_RATE
                    + ": each command costs its desktop two frames, and a connection sends at most "
                    + (int) PacedSender.PER_SECOND + " frames/s (raise --users instead)");
        }
        if (flushCommands > MAX_FLUSH_COMMANDS) {
            throw new UsageException("--flush-commands " + flushCommands + " is more than " + MAX_FLUSH_COMMANDS
                    + ": the desktop could not acknowledge them all (at " + (int) PacedSender.PER_SECOND
                    + " frames/s) within the queue's 30 s ack timeout");
        }
        if (flushSubmitRate > MAX_PER_USER_RATE + MAX_PER_USER_RATE / 2) {
            throw new UsageException("--flush-submit-rate " + flushSubmitRate + " is more than "
                    + (MAX_PER_USER_RATE + MAX_PER_USER_RATE / 2) + ": the phone also acknowledges every status it gets");
        }
        boolean latency = !"flush".equals(only);
        boolean flush = !"latency".equals(only) && flushRuns > 0;
        return new CommandsOptions(stack.repo(), rates, duration, warmup, drain, users, perUserRate, flushRuns, flushCommands,
                flushSubmitRate, flushTimeout, latency, flush, stack.out(), stack.keycloak(), stack.gateways(), stack.stateDir(),
                stack.adminUser(), stack.adminPassword(), help);
    }

    /** The number of users (phone/desktop pairs) a step at this rate uses. */
    int usersFor(int rate) {
        int needed = (rate + perUserRate - 1) / perUserRate;
        return Math.max(users, needed);
    }

    int maxUsers() {
        return rates.stream().mapToInt(this::usersFor).max().orElse(users);
    }
}
