package io.rccs.bench;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/** The flags of {@code rccs-bench messages}, with the defaults the issue asks for. */
record MessagesOptions(
        Path repo,
        List<Integer> rates,
        int durationSeconds,
        int warmupSeconds,
        int drainSeconds,
        int users,
        int perSenderRate,
        int frameBytes,
        Path out,
        URI keycloak,
        List<URI> gateways,
        Path stateDir,
        String adminUser,
        String adminPassword,
        boolean help) {

    static final String USAGE = """
            usage: rccs-bench messages [flags]            (./rccs bench messages [flags])
              --rates 500,1000,2000,4000   offered rates in msg/s, one step each
              --duration 60                measured seconds per step
              --warmup 10                  seconds per step sent at the same rate before measuring (not recorded)
              --drain 10                   at most this many seconds to wait for stragglers after a step
              --users 50                   bench users, each with a receiver on gateway 0 and a sender on gateway 1
              --per-sender-rate 40         at most this many msg/s per sender connection: a step whose rate needs
                                           more senders uses more users (the gateway limits a connection to 50 frames/s)
              --frame-bytes 200            size of each message frame as sent
              --out docs/bench             where messages.csv, messages.json, messages.md and messages-latency.svg go
            """ + StackFlags.USAGE;

    static MessagesOptions parse(String[] args) {
        List<Integer> rates = List.of(500, 1000, 2000, 4000);
        int duration = 60;
        int warmup = 10;
        int drain = 10;
        int users = 50;
        int perSenderRate = 40;
        int frameBytes = 200;
        boolean help = false;
        StackFlags stack = new StackFlags("docs/bench");
        for (Flags.Flag flag : Flags.parse(args)) {
            if (flag.isHelp()) {
                help = true;
                continue;
            }
            if (stack.accept(flag)) {
                continue;
            }
            String value = flag.value();
            switch (flag.name()) {
                case "--rates" -> rates = Flags.positiveList(flag.name(), value);
                case "--duration" -> duration = Flags.positive(flag.name(), value);
                case "--warmup" -> warmup = Flags.atLeastZero(flag.name(), value);
                case "--drain" -> drain = Flags.atLeastZero(flag.name(), value);
                case "--users" -> users = Flags.positive(flag.name(), value);
                case "--per-sender-rate" -> perSenderRate = Flags.positive(flag.name(), value);
                case "--frame-bytes" -> frameBytes = Flags.positive(flag.name(), value);
                default -> throw new UsageException("unknown flag " + flag.name());
            }
        }
        return new MessagesOptions(stack.repo(), rates, duration, warmup, drain, users, perSenderRate, frameBytes,
                stack.out(), stack.keycloak(), stack.gateways(), stack.stateDir(), stack.adminUser(), stack.adminPassword(), help);
    }

    /** The number of users (sender/receiver pairs) a step at this rate uses. */
    int usersFor(int rate) {
        int needed = (rate + perSenderRate - 1) / perSenderRate;
        return Math.max(users, needed);
    }

    int maxUsers() {
        return rates.stream().mapToInt(this::usersFor).max().orElse(users);
    }
}
