package io.rccs.bench;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.IntStream;

/**
 * {@code discovery}: the {@code devices.list} round trip of SPEC 6 ("p99 <= 20 ms") — a trusted
 * device asks for its user's devices and waits for the {@code devices} answer, through its gateway,
 * Kafka, the device relay (device cache and presence) and back. Lists are offered at a fixed rate
 * (open model) from every online device of several users on both gateways; one warm-up, then one
 * measured window.
 */
final class DiscoveryBenchmark {

    private final DiscoveryOptions options;

    DiscoveryBenchmark(DiscoveryOptions options) {
        this.options = options;
    }

    void run() {
        String runId = UUID.randomUUID().toString().substring(0, 8);
        MachineInfo machine = MachineInfo.current();
        Instant startedAt = Instant.now();
        printPlan(runId, machine);

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
        KeycloakUsers keycloak = new KeycloakUsers(http, options.keycloak(), options.adminUser(), options.adminPassword());
        DeviceConnector connector = new DeviceConnector(http, options.gateways(), keycloak, CredentialStore.load(options.stateDir()));
        ListAnswers answers = new ListAnswers(runId);
        List<DiscoveryUser> users = IntStream.rangeClosed(1, options.users())
                .mapToObj(number -> new DiscoveryUser(number, options.devices(), options.online())).toList();
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(1, BenchThreads.daemon("bench-timer"));
        ProcessCpu cpu = new ProcessCpu(options.stateDir());
        try {
            connect(users, connector, answers, "setting up");
            // the gateway closes a socket when its token expires: no token may run out during the run
            Instant runEnds = Instant.now().plusSeconds(options.warmupSeconds() + options.durationSeconds()
                    + options.drainSeconds() + 30L);
            List<DiscoveryUser> stale = users.stream().filter(user -> user.needsReconnect(runEnds)).toList();
            if (!stale.isEmpty()) {
                connect(stale, connector, answers, "reconnecting (token about to expire or socket closed)");
            }
            if (users.stream().anyMatch(user -> user.needsReconnect(runEnds))) {
                throw new BenchException("an access token expires before the run ends (" + runEnds
                        + "): shorten --warmup/--duration/--drain or lengthen the realm's token lifetime");
            }
            StepResult result = runWindow(users, answers, cpu, timers);
            DiscoveryReport report = new DiscoveryReport(options, machine, runId, startedAt, result);
            List<Path> written = report.write();
            System.out.println();
            System.out.print(report.consoleTables());
            System.out.println();
            written.forEach(path -> System.out.println("wrote " + path));
        } finally {
            timers.shutdownNow();
            users.forEach(DiscoveryUser::close);
            BenchThreads.lingerForCloseFrames();
        }
    }

    private StepResult runWindow(List<DiscoveryUser> users, ListAnswers answers, ProcessCpu cpu, ScheduledExecutorService timers) {
        List<FrameSocket> listers = DiscoveryUser.listers(users);
        StepTracker step = new StepTracker(0, options.rate(), users.size(), options.warmupSeconds(), options.durationSeconds());
        System.out.printf(Locale.ROOT, "%d lists/s from %d connections: %d s warm-up, %d s measured ...%n", step.rate,
                listers.size(), options.warmupSeconds(), options.durationSeconds());
        answers.begin(step);
        OpenLoopWindow.Timing timing = new OpenLoopWindow.Timing(options.warmupSeconds(), options.durationSeconds(),
                options.drainSeconds());
        // list k goes to connection k mod listers: an even share each, users and gateways taking turns
        StepResult result = OpenLoopWindow.run(step, timing, cpu, timers, elapsed -> printProgress(step, users, elapsed),
                (k, due) -> listers.get(k % listers.size()).send(answers.frame(k, due), failure -> step.onSent(k, failure)));
        System.out.printf(Locale.ROOT, "  => sent %d, answered %d (%s), errors %s; ms p50 %s p90 %s p99 %s p99.9 %s max %s%n",
                result.sent(), result.delivered(), Numbers.percent(result.deliveredRatio()), ResultTables.errors(result.errors()),
                Numbers.millis(result.p50Ms()), Numbers.millis(result.p90Ms()), Numbers.millis(result.p99Ms()),
                Numbers.millis(result.p999Ms()), Numbers.millis(result.maxMs()));
        return result;
    }

    /** Connects users and pairs their devices (not measured), a few users at a time. */
    private void connect(List<DiscoveryUser> users, DeviceConnector connector, ListAnswers answers, String what) {
        System.out.printf(Locale.ROOT, "%s %d users x %d devices (%d kept online) ...%n", what, users.size(),
                options.devices(), options.online());
        BenchThreads.inParallel(users, user -> user.connect(connector, answers), "connect");
        System.out.println("  " + connector.setupSummary());
    }

    private static void printProgress(StepTracker step, List<DiscoveryUser> users, long elapsed) {
        int queued = users.stream().mapToInt(DiscoveryUser::queuedFrames).sum();
        System.out.printf(Locale.ROOT, "  %3d s: measured sent %d, answered %d, errors %s, frames queued in the client %d%n",
                elapsed, step.sent(), step.delivered(), ResultTables.errors(step.errors()), queued);
    }

    private void printPlan(String runId, MachineInfo machine) {
        System.out.printf(Locale.ROOT, "rccs-bench discovery, run %s%n", runId);
        System.out.printf(Locale.ROOT, "  machine   %s (client and stack share it)%n", machine.describe());
        System.out.printf(Locale.ROOT, "  gateways  %s%n", options.gateways());
        System.out.printf(Locale.ROOT, "  load      %d devices.list/s; %d s warm-up + %d s measured; %d users x %d devices, "
                + "%d online each (%d connections list, %.1f lists/s each)%n", options.rate(), options.warmupSeconds(),
                options.durationSeconds(), options.users(), options.devices(), options.online(), options.listers(),
                options.rate() / (double) options.listers());
        System.out.printf(Locale.ROOT, "  CPU from  %s%n", options.stateDir().resolve("pids"));
        System.out.printf(Locale.ROOT, "  devices   credentials kept in %s%n", options.stateDir().resolve(CredentialStore.FILE));
    }
}
