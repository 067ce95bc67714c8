package io.rccs.bench;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/** The flags of {@code rccs-bench connections}. */
record ConnectionsOptions(
        Path repo,
        int connections,
        int devicesPerUser,
        int gatewayIndex,
        int holdSeconds,
        int inFlight,
        int timeoutSeconds,
        Path out,
        URI keycloak,
        List<URI> gateways,
        Path stateDir,
        String adminUser,
        String adminPassword,
        boolean help) {

    /** The relay's default rccs.relay.max-devices-per-user (pending or trusted); a user's next device is refused. */
    static final int MAX_DEVICES_PER_USER = 100;

    static final String USAGE = """
            usage: rccs-bench connections [flags]         (./rccs bench connections [flags])
              opens --connections authenticated WebSockets to one gateway (each says hello and waits for its
              welcome; a user's first device is trusted, the others pending, which is all an idle connection
              needs), holds them --hold seconds, checks that none closed, then closes them all; reports the rate
              they were established at, and the gateway's heap (after a full GC) and RSS per connection, with
              its class histogram (jcmd) beside the results
              --connections 20000          sockets to open and hold
              --devices-per-user 100       connections (devices) per bench user bench-conn-001, ... (at most %d:
                                           the relay's max-devices-per-user; the gateway allows 200 per user)
              --gateway 0                  which of the two gateways (--gateways) to load; its pid is read from
                                           <state-dir>/pids/gateway-<n>.pid
              --hold 60                    seconds to hold every connection once all are established
              --in-flight 100              connects (upgrade, hello, welcome) under way at once
              --timeout 30                 seconds one connect may take before it counts as failed
              --out docs/bench/connections where connections.json, connections.md, connections-timeline.csv and
                                           connections-histogram.txt go
            """.formatted(MAX_DEVICES_PER_USER) + StackFlags.USAGE;

    static ConnectionsOptions parse(String[] args) {
        int connections = 20_000;
        int devicesPerUser = MAX_DEVICES_PER_USER;
        int gatewayIndex = 0;
        int hold = 60;
        int inFlight = 100;
        int timeout = 30;
        boolean help = false;
        StackFlags stack = new StackFlags("docs/bench/connections");
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
                case "--connections" -> connections = Flags.positive(name, value);
                case "--devices-per-user" -> devicesPerUser = Flags.positive(name, value);
                case "--gateway" -> gatewayIndex = Flags.atLeastZero(name, value);
                case "--hold" -> hold = Flags.atLeastZero(name, value);
                case "--in-flight" -> inFlight = Flags.positive(name, value);
                case "--timeout" -> timeout = Flags.positive(name, value);
                default -> throw new UsageException("unknown flag " + name);
            }
        }
        if (devicesPerUser > MAX_DEVICES_PER_USER) {
            throw new UsageException("--devices-per-user " + devicesPerUser + " is more than " + MAX_DEVICES_PER_USER
                    + " (the relay refuses a user's device past rccs.relay.max-devices-per-user)");
        }
        if (gatewayIndex > 1) {
            throw new UsageException("--gateway takes 0 or 1 (one of --gateways), not " + gatewayIndex);
        }
        return new ConnectionsOptions(stack.repo(), connections, devicesPerUser, gatewayIndex, hold, inFlight, timeout,
                stack.out(), stack.keycloak(), stack.gateways(), stack.stateDir(), stack.adminUser(), stack.adminPassword(), help);
    }

    /** The gateway every connection goes to. */
    URI gateway() {
        return gateways.get(gatewayIndex);
    }

    /** Its name in {@code <state>/pids}. */
    String gatewayName() {
        return "gateway-" + gatewayIndex;
    }

    /** Bench users needed: the connections spread evenly, at most {@link #devicesPerUser} each. */
    int users() {
        return (connections + devicesPerUser - 1) / devicesPerUser;
    }
}
