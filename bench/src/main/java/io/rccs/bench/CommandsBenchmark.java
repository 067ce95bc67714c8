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
import java.util.stream.Stream;

/**
 * {@code commands}: the two command targets of SPEC 6. First the latency of "command submit ->
 * delivered to an online device", one step per offered rate: phones submit to their desktops on a
 * fixed schedule (open model) and the latency is the {@code command} frame's arrival at the desktop
 * minus the submit's intended time. Then the flush of queued commands to a device that comes online
 * ({@link CommandFlush}), several runs.
 */
final class CommandsBenchmark {

    private final CommandsOptions options;

    CommandsBenchmark(CommandsOptions options) {
        this.options = options;
    }

    void run() {
        String runId = UUID.randomUUID().toString().substring(0, 8);
        RunTracker run = new RunTracker(runId);
        CommandTracker tracker = new CommandTracker(run);
        MachineInfo machine = MachineInfo.current();
        Instant startedAt = Instant.now();
        printPlan(runId, machine);

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
        KeycloakUsers keycloak = new KeycloakUsers(http, options.keycloak(), options.adminUser(), options.adminPassword());
        DeviceConnector connector = new DeviceConnector(http, options.gateways(), keycloak, CredentialStore.load(options.stateDir()));
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(2, BenchThreads.daemon("bench-timer"));
        List<CommandUser> users = !options.latency() ? List.of() : IntStream.rangeClosed(1, options.maxUsers())
                .mapToObj(number -> new CommandUser(CommandUser.nameOf(number), tracker, timers)).toList();
        CommandUser flushUser = options.flush() ? new CommandUser(CommandFlush.USER, tracker, timers) : null;
        List<CommandUser> everyone = Stream.concat(users.stream(), Stream.ofNullable(flushUser)).toList();
        ProcessCpu cpu = new ProcessCpu(options.stateDir());
        try {
            connect(everyone, connector, "connecting");
            timers.scheduleAtFixedRate(() -> flushAcks(everyone), 100, 100, TimeUnit.MILLISECONDS);
            List<StepResult> steps = new ArrayList<>();
            if (options.latency()) {
                for (int index = 0; index < options.rates().size(); index++) {
                    int rate = options.rates().get(index);
                    StepTracker step = new StepTracker(index, rate, options.usersFor(rate), options.warmupSeconds(),
                            options.durationSeconds());
                    Instant stepEnds = Instant.now().plusSeconds(options.warmupSeconds() + options.durationSeconds()
                            + options.drainSeconds() + 60L);
                    List<CommandUser> stale = users.stream().filter(user -> user.needsReconnect(stepEnds)).toList();
                    if (!stale.isEmpty()) {
                        connect(stale, connector, "reconnecting (token about to expire or socket closed)");
                    }
                    StepResult result = runStep(step, users.subList(0, step.users), cpu, timers, run);
                    steps.add(result);
                    printStep(result);
                }
            }
            List<FlushResult> flushes = new ArrayList<>();
            if (flushUser != null) {
                CommandFlush flush = new CommandFlush(options, connector, tracker, flushUser);
                for (int number = 1; number <= options.flushRuns(); number++) {
                    System.out.printf(Locale.ROOT, "flush run %d of %d: %d commands queued for %s/%s while it is offline ...%n",
                            number, options.flushRuns(), options.flushCommands(), CommandFlush.USER, CommandUser.DESKTOP_DEVICE);
                    flushes.add(flush.run(number));
                }
            }
            // the last answers (acks, results) leave the pacers before the sockets close
            CommandFlush.waitUntil(() -> everyone.stream().allMatch(user -> user.queuedFrames() == 0),
                    System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
            CommandsReport report = new CommandsReport(options, machine, runId, startedAt, run.foreignArrivals(), steps, flushes);
            List<Path> written = report.write();
            System.out.println();
            System.out.print(report.consoleTables());
            System.out.println();
            if (run.foreignArrivals() > 0) {
                System.out.println("answered and ignored " + run.foreignArrivals() + " commands of earlier runs (flushed at connect)");
            }
            written.forEach(path -> System.out.println("wrote " + path));
        } finally {
            timers.shutdownNow();
            everyone.forEach(CommandUser::close);
            BenchThreads.lingerForCloseFrames();
        }
    }

    private StepResult runStep(StepTracker step, List<CommandUser> senders, ProcessCpu cpu, ScheduledExecutorService timers,
            RunTracker run) {
        System.out.printf(Locale.ROOT, "%d commands/s with %d users: %d s warm-up, %d s measured ...%n", step.rate, step.users,
                options.warmupSeconds(), options.durationSeconds());
        run.begin(step);
        OpenLoopWindow.Timing timing = new OpenLoopWindow.Timing(options.warmupSeconds(), options.durationSeconds(),
                options.drainSeconds());
        // submit k goes to phone k mod users, so each user gets an even share
        return OpenLoopWindow.run(step, timing, cpu, timers, elapsed -> printProgress(step, senders, elapsed),
                (k, due) -> senders.get(k % senders.size()).submit(
                        CommandFrames.latencySubmit(run.runId, step.index, k, due - run.originNanos), failure -> step.onSent(k, failure)));
    }

    /** Connects (or reconnects) users, pairing their phones where needed (not measured), a few at a time. */
    private static void connect(List<CommandUser> users, DeviceConnector connector, String what) {
        System.out.printf(Locale.ROOT, "%s %d users (%d sockets) ...%n", what, users.size(), users.size() * 2);
        BenchThreads.inParallel(users, user -> user.connect(connector), "connect");
        System.out.println("  " + connector.setupSummary());
    }

    private static void flushAcks(List<CommandUser> users) {
        try {
            users.forEach(CommandUser::flushAcks);
        } catch (RuntimeException e) {
            // a failing flush must not cancel the periodic task: the next one tries again
            System.err.println("[bench] ack flush failed: " + e);
        }
    }

    private static void printProgress(StepTracker step, List<CommandUser> senders, long elapsed) {
        int queued = senders.stream().mapToInt(CommandUser::queuedFrames).sum();
        System.out.printf(Locale.ROOT, "  %3d s: measured sent %d, delivered %d, errors %s, frames queued in the client %d%n",
                elapsed, step.sent(), step.delivered(), ResultTables.errors(step.errors()), queued);
    }

    private void printPlan(String runId, MachineInfo machine) {
        System.out.printf(Locale.ROOT, "rccs-bench commands, run %s%n", runId);
        System.out.printf(Locale.ROOT, "  machine   %s (client and stack share it)%n", machine.describe());
        System.out.printf(Locale.ROOT, "  desktops  %s   phones %s%n", options.gateways().get(0), options.gateways().get(1));
        if (options.latency()) {
            System.out.printf(Locale.ROOT, "  latency   %s commands/s; %d s warm-up + %d s measured each; users %s%n", options.rates(),
                    options.warmupSeconds(), options.durationSeconds(),
                    options.rates().stream().map(rate -> rate + "/s: " + options.usersFor(rate)).toList());
        }
        if (options.flush()) {
            System.out.printf(Locale.ROOT, "  flush     %d runs of %d commands (submitted at %d/s), user %s%n", options.flushRuns(),
                    options.flushCommands(), options.flushSubmitRate(), CommandFlush.USER);
        }
        System.out.printf(Locale.ROOT, "  CPU from  %s%n", options.stateDir().resolve("pids"));
        System.out.printf(Locale.ROOT, "  devices   credentials kept in %s%n", options.stateDir().resolve(CredentialStore.FILE));
    }

    private static void printStep(StepResult r) {
        System.out.printf(Locale.ROOT, "  => sent %d, delivered %d (%s), lost %d, duplicates %d, errors %s; ms p50 %s p90 %s p99 %s "
                + "p99.9 %s max %s%n", r.sent(), r.delivered(), Numbers.percent(r.deliveredRatio()), r.lost(), r.duplicates(),
                ResultTables.errors(r.errors()), Numbers.millis(r.p50Ms()), Numbers.millis(r.p90Ms()), Numbers.millis(r.p99Ms()),
                Numbers.millis(r.p999Ms()), Numbers.millis(r.maxMs()));
    }
}
