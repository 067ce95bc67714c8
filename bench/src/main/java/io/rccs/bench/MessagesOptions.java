package io.rccs.bench;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
              --repo .                     the repository root (for .rccs/pids and a relative --out)
              --gateways URL0,URL1         receiver and sender gateway (default ws://$RCCS_HOST:<first two RCCS_GATEWAY_PORTS>/v1/connect)
              --keycloak URL               Keycloak base URL (default http://$RCCS_HOST:$RCCS_KEYCLOAK_PORT)
              --state-dir DIR              where pids/*.pid are (default $RCCS_STATE_DIR or <repo>/.rccs)
              --admin-user admin --admin-password admin   Keycloak admin, used only to create missing bench users""";

    static MessagesOptions parse(String[] args) {
        Path repo = Path.of(".");
        List<Integer> rates = List.of(500, 1000, 2000, 4000);
        int duration = 60;
        int warmup = 10;
        int drain = 10;
        int users = 50;
        int perSenderRate = 40;
        int frameBytes = 200;
        String out = "docs/bench";
        URI keycloak = null;
        List<URI> gateways = null;
        String stateDir = null;
        String adminUser = "admin";
        String adminPassword = "admin";
        boolean help = false;

        List<String> queue = new ArrayList<>(Arrays.asList(args));
        while (!queue.isEmpty()) {
            String flag = queue.remove(0);
            String value = null;
            int equals = flag.indexOf('=');
            if (flag.startsWith("--") && equals > 0) {
                value = flag.substring(equals + 1);
                flag = flag.substring(0, equals);
            }
            if (flag.equals("--help") || flag.equals("-h")) {
                help = true;
                continue;
            }
            if (value == null) {
                if (queue.isEmpty()) {
                    throw new UsageException(flag + " needs a value");
                }
                value = queue.remove(0);
            }
            switch (flag) {
                case "--repo" -> repo = Path.of(value);
                case "--rates" -> rates = positiveList(flag, value);
                case "--duration" -> duration = positive(flag, value);
                case "--warmup" -> warmup = atLeastZero(flag, value);
                case "--drain" -> drain = atLeastZero(flag, value);
                case "--users" -> users = positive(flag, value);
                case "--per-sender-rate" -> perSenderRate = positive(flag, value);
                case "--frame-bytes" -> frameBytes = positive(flag, value);
                case "--out" -> out = value;
                case "--keycloak" -> keycloak = URI.create(stripSlash(value));
                case "--gateways" -> gateways = Arrays.stream(value.split(",")).map(String::trim).map(URI::create).toList();
                case "--state-dir" -> stateDir = value;
                case "--admin-user" -> adminUser = value;
                case "--admin-password" -> adminPassword = value;
                default -> throw new UsageException("unknown flag " + flag);
            }
        }
        if (gateways != null && gateways.size() != 2) {
            throw new UsageException("--gateways needs exactly two URLs: the receivers' gateway, then the senders'");
        }
        Path repoRoot = repo.toAbsolutePath().normalize();
        Path outDir = Path.of(out);
        return new MessagesOptions(repoRoot, rates, duration, warmup, drain, users, perSenderRate, frameBytes,
                outDir.isAbsolute() ? outDir : repoRoot.resolve(outDir),
                keycloak != null ? keycloak : StackDefaults.keycloak(),
                gateways != null ? gateways : StackDefaults.gateways(),
                stateDir != null ? Path.of(stateDir).toAbsolutePath() : StackDefaults.stateDir(repoRoot),
                adminUser, adminPassword, help);
    }

    /** The number of users (sender/receiver pairs) a step at this rate uses. */
    int usersFor(int rate) {
        int needed = (rate + perSenderRate - 1) / perSenderRate;
        return Math.max(users, needed);
    }

    int maxUsers() {
        return rates.stream().mapToInt(this::usersFor).max().orElse(users);
    }

    private static List<Integer> positiveList(String flag, String value) {
        List<Integer> list = Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> positive(flag, s)).toList();
        if (list.isEmpty()) {
            throw new UsageException(flag + " needs at least one value");
        }
        return list;
    }

    private static int positive(String flag, String value) {
        int number = number(flag, value);
        if (number <= 0) {
            throw new UsageException(flag + " must be positive, not " + value);
        }
        return number;
    }

    private static int atLeastZero(String flag, String value) {
        int number = number(flag, value);
        if (number < 0) {
            throw new UsageException(flag + " must not be negative, not " + value);
        }
        return number;
    }

    private static int number(String flag, String value) {
        try {
            return Integer.parseInt(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " must be a whole number, not '" + value + "'");
        }
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
