package io.rccs.bench;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/** The flags of {@code rccs-bench discovery}. */
record DiscoveryOptions(
        Path repo,
        int rate,
        int durationSeconds,
        int warmupSeconds,
        int drainSeconds,
        int users,
        int devices,
        int online,
        int perListerRate,
        Path out,
        URI keycloak,
        List<URI> gateways,
        Path stateDir,
        String adminUser,
        String adminPassword,
        boolean help) {

    static final String USAGE = """
            usage: rccs-bench discovery [flags]           (./rccs bench discovery [flags])
              --rate 200                   offered devices.list round trips per second
              --duration 60                measured seconds
              --warmup 10                  seconds listed at the same rate before measuring (not recorded)
              --drain 10                   at most this many seconds to wait for the last answers
              --users 10                   bench users (bench-discovery-01, ...), each with --devices devices
              --devices 20                 devices per user, all trusted (the first pairs the others), half on each gateway
              --online N                   devices per user kept connected; they send the lists, the rest are
                                           listed offline (default: half of --devices, rounded up)
              --per-lister-rate 20         at most this many lists/s per connection (the gateway allows 50 frames/s)
              --out docs/bench/discovery   where discovery.csv, discovery.json and discovery.md go
            """ + StackFlags.USAGE;

    static DiscoveryOptions parse(String[] args) {
        int rate = 200;
        int duration = 60;
        int warmup = 10;
        int drain = 10;
        int users = 10;
        int devices = 20;
        Integer online = null;
        int perListerRate = 20;
        boolean help = false;
        StackFlags stack = new StackFlags("docs/bench/discovery");
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
                case "--rate" -> rate = Flags.positive(name, value);
                case "--duration" -> duration = Flags.positive(name, value);
                case "--warmup" -> warmup = Flags.atLeastZero(name, value);
                case "--drain" -> drain = Flags.atLeastZero(name, value);
                case "--users" -> users = Flags.positive(name, value);
                case "--devices" -> devices = Flags.positive(name, value);
                case "--online" -> online = Flags.positive(name, value);
                case "--per-lister-rate" -> perListerRate = Flags.positive(name, value);
                default -> throw new UsageException("unknown flag " + name);
            }
        }
        int onlineDevices = online != null ? online : (devices + 1) / 2;
        if (onlineDevices > devices) {
            throw new UsageException("--online " + onlineDevices + " is more than --devices " + devices);
        }
        if (!help && (long) users * onlineDevices * perListerRate < rate) {
            throw new UsageException(rate + " lists/s over " + users * onlineDevices + " connections is more than "
                    + perListerRate + " per connection: raise --users or --online (or --per-lister-rate)");
        }
        return new DiscoveryOptions(stack.repo(), rate, duration, warmup, drain, users, devices, onlineDevices, perListerRate,
                stack.out(), stack.keycloak(), stack.gateways(), stack.stateDir(), stack.adminUser(), stack.adminPassword(), help);
    }

    /** Connections that send lists: every online device of every user. */
    int listers() {
        return users * online;
    }
}
