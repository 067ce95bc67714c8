package io.rccs.bench;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * {@code messages}: device-to-device routing latency through both gateways and Kafka, one step per
 * offered rate. Each step sends at its rate for the warm-up, keeps sending for the measured window,
 * then waits for stragglers; only the measured window's messages are recorded.
 */
final class MessagesBenchmark {

    private final MessagesOptions options;

    MessagesBenchmark(MessagesOptions options) {
        this.options = options;
    }

    void run() {
        String runId = UUID.randomUUID().toString().substring(0, 8);
        RunTracker run = new RunTracker(runId);
        MachineInfo machine = MachineInfo.current();
        Instant startedAt = Instant.now();
        printPlan(runId, machine);

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
        KeycloakUsers keycloak = new KeycloakUsers(http, options.keycloak(), options.adminUser(), options.adminPassword());
        CredentialStore credentials = CredentialStore.load(options.stateDir());
        DeviceConnector connector = new DeviceConnector(http, options.gateways(), keycloak, credentials);
        List<BenchUser> users = IntStream.rangeClosed(1, options.maxUsers())
                .mapToObj(number -> new BenchUser(BenchUser.nameOf(number), run)).toList();
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(1, BenchThreads.daemon("bench-timer"));
        ProcessCpu cpu = new ProcessCpu(options.stateDir());
        try {
            connect(users, connector, "connecting");
            timers.scheduleAtFixedRate(() -> flushAcks(users), 100, 100, TimeUnit.MILLISECONDS);
            MessageText messages = new MessageText(runId, options.frameBytes());
            List<StepResult> results = new ArrayList<>();
            for (int index = 0; index < options.rates().size(); index++) {
                int rate = options.rates().get(index);
                StepTracker step = new StepTracker(index, rate, options.usersFor(rate), options.warmupSeconds(),
                        options.durationSeconds());
                Instant stepEnds = Instant.now().plusSeconds(options.warmupSeconds() + options.durationSeconds()
                        + options.drainSeconds() + 60L);
                List<BenchUser> stale = users.stream().filter(user -> user.needsReconnect(stepEnds)).toList();
                if (!stale.isEmpty()) {
                    connect(stale, connector, "reconnecting (token about to expire or socket closed)");
                }
                StepResult result = runStep(step, users.subList(0, step.users), messages, cpu, timers, run);
                results.add(result);
                printStep(result);
            }
            MessagesReport report = new MessagesReport(options, machine, runId, startedAt, run.foreignArrivals(), results);
            List<Path> written = report.write();
            System.out.println();
            System.out.print(report.consoleTables());
            System.out.println();
            if (run.foreignArrivals() > 0) {
                System.out.println("ignored " + run.foreignArrivals() + " messages of earlier runs (replayed after welcome)");
            }
            written.forEach(path -> System.out.println("wrote " + path));
        } finally {
            timers.shutdownNow();
            users.forEach(BenchUser::close);
            BenchThreads.lingerForCloseFrames();
        }
    }

    private StepResult runStep(StepTracker step, List<BenchUser> senders, MessageText messages, ProcessCpu cpu,
            ScheduledExecutorService timers, RunTracker run) {
        System.out.printf(Locale.ROOT, "%d msg/s with %d users: %d s warm-up, %d s measured ...%n", step.rate, step.users,
                options.warmupSeconds(), options.durationSeconds());
        run.begin(step);
        OpenLoopWindow.Timing timing = new OpenLoopWindow.Timing(options.warmupSeconds(), options.durationSeconds(),
                options.drainSeconds());
        // message k goes to sender k mod users, so each sender gets an even share
        return OpenLoopWindow.run(step, timing, cpu, timers, elapsed -> printProgress(step, senders, elapsed),
                (k, due) -> senders.get(k % senders.size())
                        .send(messages.build(step.index, k, due - run.originNanos), failure -> step.onSent(k, failure)));
    }

    /**
     * Connects (or reconnects) users, pairing their devices where needed (not measured), a few at a
     * time so Keycloak and the gateways are not flooded.
     */
    private static void connect(List<BenchUser> users, DeviceConnector connector, String what) {
        System.out.printf(Locale.ROOT, "%s %d users (%d sockets) ...%n", what, users.size(), users.size() * 2);
        BenchThreads.inParallel(users, user -> user.connect(connector), "connect");
        System.out.println("  " + connector.setupSummary());
    }

    private static void flushAcks(List<BenchUser> users) {
        try {
            users.forEach(BenchUser::flushAcks);
        } catch (RuntimeException e) {
            // a failing flush must not cancel the periodic task: the next one tries again
            System.err.println("[bench] ack flush failed: " + e);
        }
    }

    private static void printProgress(StepTracker step, List<BenchUser> senders, long elapsed) {
        int queued = senders.stream().mapToInt(BenchUser::queuedFrames).sum();
        System.out.printf(Locale.ROOT, "  %3d s: measured sent %d, delivered %d, errors %s, frames queued in the client %d%n",
                elapsed, step.sent(), step.delivered(), ResultTables.errors(step.errors()), queued);
    }

    private void printPlan(String runId, MachineInfo machine) {
        System.out.printf(Locale.ROOT, "rccs-bench messages, run %s%n", runId);
        System.out.printf(Locale.ROOT, "  machine   %s (client and stack share it)%n", machine.describe());
        System.out.printf(Locale.ROOT, "  receivers %s   senders %s%n", options.gateways().get(0), options.gateways().get(1));
        System.out.printf(Locale.ROOT, "  rates     %s msg/s; %d s warm-up + %d s measured each; %d-byte frames%n",
                options.rates(), options.warmupSeconds(), options.durationSeconds(), options.frameBytes());
        System.out.printf(Locale.ROOT, "  users     %s%n", options.rates().stream()
                .map(rate -> rate + " msg/s: " + options.usersFor(rate)).toList());
        System.out.printf(Locale.ROOT, "  CPU from  %s%n", options.stateDir().resolve("pids"));
        System.out.printf(Locale.ROOT, "  devices   credentials kept in %s%n", options.stateDir().resolve(CredentialStore.FILE));
    }

    private static void printStep(StepResult r) {
        System.out.printf(Locale.ROOT, "  => sent %d, delivered %d (%s), duplicates %d, errors %s; ms p50 %s p90 %s p99 %s p99.9 %s max %s%n",
                r.sent(), r.delivered(), Numbers.percent(r.deliveredRatio()), r.duplicates(), ResultTables.errors(r.errors()),
                Numbers.millis(r.p50Ms()), Numbers.millis(r.p90Ms()), Numbers.millis(r.p99Ms()), Numbers.millis(r.p999Ms()),
                Numbers.millis(r.maxMs()));
    }
}
