package io.rccs.bench;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * {@code sessions}: work sessions (SPEC 3.5). First the handoff of a session of {@code --document-kib}
 * KiB between two desktops of a user (SPEC 6: "handoff of a 64 KiB session: p99 <= 100 ms"), a closed
 * loop per user, several users at once; then the fan-out of small patches to the session's three
 * devices at a fixed offered rate (open model). In both parts every device's versions are checked:
 * in order, none missing.
 */
final class SessionsBenchmark {

    private final SessionsOptions options;

    SessionsBenchmark(SessionsOptions options) {
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
        DeviceConnector connector = new DeviceConnector(http, options.gateways(), keycloak, CredentialStore.load(options.stateDir()));
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(2, BenchThreads.daemon("bench-timer"));
        List<SessionUser> users = IntStream.rangeClosed(1, options.users())
                .mapToObj(number -> new SessionUser(SessionUser.nameOf(number), run, timers)).toList();
        ProcessCpu cpu = new ProcessCpu(options.stateDir());
        try {
            System.out.printf(Locale.ROOT, "connecting %d users (%d sockets) ...%n", users.size(), users.size() * 3);
            BenchThreads.inParallel(users, user -> user.connect(connector), "connect");
            System.out.println("  " + connector.setupSummary());
            // the gateway closes a socket when its token expires: no token may run out during the run
            Instant runEnds = Instant.now().plusSeconds(2L * (options.warmupSeconds() + options.durationSeconds()
                    + options.drainSeconds()) + 60L);
            if (users.stream().anyMatch(user -> user.needsReconnect(runEnds))) {
                throw new BenchException("an access token expires before the run ends (" + runEnds
                        + "): shorten --warmup/--duration/--drain or lengthen the realm's token lifetime");
            }
            timers.scheduleAtFixedRate(() -> flushAcks(users), 100, 100, TimeUnit.MILLISECONDS);
            openSessions(users);
            HandoffResult handoffs = options.handoff() ? runHandoffs(users, cpu, timers) : null;
            FanoutResult fanout = options.fanout() ? runFanout(users, cpu, timers, run) : null;
            SessionsReport report = new SessionsReport(options, machine, runId, startedAt, handoffs, fanout, run.foreignArrivals());
            List<Path> written = report.write();
            System.out.println();
            System.out.print(report.consoleTables());
            System.out.println();
            if (run.foreignArrivals() > 0) {
                System.out.println("acknowledged and ignored " + run.foreignArrivals() + " frames of earlier runs' sessions");
            }
            written.forEach(path -> System.out.println("wrote " + path));
        } finally {
            if (users.stream().anyMatch(user -> user.session() != null)) {
                BenchThreads.inParallel(users, SessionUser::closeSession, "close-sessions");
                flushAcks(users);
                // the last acknowledgements leave the pacers before the sockets close
                CommandFlush.waitUntil(() -> users.stream().allMatch(user -> user.queuedFrames() == 0),
                        System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
            }
            timers.shutdownNow();
            users.forEach(SessionUser::close);
            BenchThreads.lingerForCloseFrames();
        }
    }

    private void openSessions(List<SessionUser> users) {
        System.out.printf(Locale.ROOT, "opening %d sessions of %d KiB (joined by the other desktop and the phone) ...%n",
                users.size(), options.documentKib());
        AtomicInteger leftovers = new AtomicInteger();
        BenchThreads.inParallel(users, user -> leftovers.addAndGet(user.openSession(options.documentBytes())), "open-sessions");
        if (leftovers.get() > 0) {
            System.out.println("  closed " + leftovers.get() + " sessions an earlier run had left open");
        }
    }

    /** The closed handoff loops: warm-up, measured window, then up to the drain for the handoffs under way. */
    private HandoffResult runHandoffs(List<SessionUser> users, ProcessCpu cpu, ScheduledExecutorService timers) {
        System.out.printf(Locale.ROOT, "handoffs, a closed loop per user (at most %d/s each), %d users: %d s warm-up, "
                + "%d s measured ...%n", options.handoffRate(), users.size(), options.warmupSeconds(), options.durationSeconds());
        HandoffTracker tracker = new HandoffTracker();
        List<HandoffLoop> loops = new ArrayList<>();
        for (SessionUser user : users) {
            loops.add(user.beginHandoffs(options.handoffRate(), tracker, timers));
        }
        long start = System.nanoTime();
        long measureStart = start + TimeUnit.SECONDS.toNanos(options.warmupSeconds());
        long measureEnd = measureStart + TimeUnit.SECONDS.toNanos(options.durationSeconds());
        long drainEnd = measureEnd + TimeUnit.SECONDS.toNanos(options.drainSeconds());
        CpuWindow window = CpuWindow.schedule(timers, cpu, measureStart, measureEnd);
        timers.schedule(tracker::beginMeasuring, measureStart - System.nanoTime(), TimeUnit.NANOSECONDS);
        timers.schedule(tracker::endMeasuring, measureEnd - System.nanoTime(), TimeUnit.NANOSECONDS);
        long progressNanos = OpenLoopWindow.PROGRESS_EVERY.toNanos();
        ScheduledFuture<?> progress = timers.scheduleAtFixedRate(() -> System.out.printf(Locale.ROOT,
                "  %3d s: handoffs done %d (measured: started %d, done %d), errors %s, frames queued in the client %d%n",
                (System.nanoTime() - start) / 1_000_000_000L, tracker.completedAll(), tracker.started(), tracker.completed(),
                ResultTables.errors(tracker.errors()), users.stream().mapToInt(SessionUser::queuedFrames).sum()),
                progressNanos, progressNanos, TimeUnit.NANOSECONDS);
        if (options.warmupSeconds() == 0) {
            tracker.beginMeasuring(); // before the first request, not when the timer gets to it
        }
        try {
            loops.forEach(HandoffLoop::start);
            BenchThreads.pause(Math.max(0, TimeUnit.NANOSECONDS.toMillis(measureEnd - System.nanoTime())));
            loops.forEach(HandoffLoop::stop);
            CommandFlush.waitUntil(() -> loops.stream().allMatch(HandoffLoop::idle), drainEnd);
        } finally {
            progress.cancel(false);
        }
        List<VersionOrder.Counts[]> versions = new ArrayList<>();
        long followersDeadline = Math.max(drainEnd, System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
        for (SessionUser user : users) {
            versions.add(user.endHandoffs(followersDeadline));
        }
        tracker.close();
        HandoffResult result = HandoffResult.of(tracker, options.durationSeconds(), users.size(),
                sumByIndex(versions), window.seconds());
        System.out.printf(Locale.ROOT, "  => %d handoffs measured (%.1f/s), %d unfinished, not accepted %s, errors %s; old owner's "
                + "handoff.done ms p50 %s p99 %s max %s%n", result.completed(), result.perSecond(), result.unfinished(),
                ResultTables.errors(result.notAccepted()), ResultTables.errors(result.errors()),
                Numbers.millis(result.oldOwner().p50Ms()), Numbers.millis(result.oldOwner().p99Ms()),
                Numbers.millis(result.oldOwner().maxMs()));
        return result;
    }

    /** The fan-out: patches at the offered rate, patch k from the owner of user k mod users. */
    private FanoutResult runFanout(List<SessionUser> users, ProcessCpu cpu, ScheduledExecutorService timers, RunTracker run) {
        StepTracker step = new StepTracker(0, options.patchRate(), users.size(), options.warmupSeconds(), options.durationSeconds());
        FanoutTracker tracker = new FanoutTracker(step, run.runId, run.originNanos);
        System.out.printf(Locale.ROOT, "fan-out, %d patches/s over %d users (%d/s each), each to 3 devices: %d s warm-up, "
                + "%d s measured ...%n", options.patchRate(), users.size(),
                SessionsOptions.patchesPerUser(options.patchRate(), users.size()), options.warmupSeconds(), options.durationSeconds());
        BenchThreads.inParallel(users, user -> user.beginFanout(tracker), "fanout-setup");
        run.begin(step);
        OpenLoopWindow.Timing timing = new OpenLoopWindow.Timing(options.warmupSeconds(), options.durationSeconds(),
                options.drainSeconds());
        StepResult patches = OpenLoopWindow.run(step, timing, cpu, timers, elapsed -> System.out.printf(Locale.ROOT,
                "  %3d s: measured patches sent %d, at all 3 devices %d, errors %s, frames queued in the client %d%n", elapsed,
                step.sent(), step.delivered(), ResultTables.errors(step.errors()),
                users.stream().mapToInt(SessionUser::queuedFrames).sum()),
                (k, due) -> users.get(k % users.size()).patch(k, due - run.originNanos, failure -> step.onSent(k, failure)));
        tracker.close();
        List<VersionOrder.Counts[]> versions = new ArrayList<>();
        long followersDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (SessionUser user : users) {
            versions.add(user.endFanout(followersDeadline));
        }
        FanoutResult result = FanoutResult.of(patches, tracker, sumByIndex(versions));
        System.out.printf(Locale.ROOT, "  => sent %d, at all 3 devices %d, lost %d, conflicts %d, errors %s; every receipt ms "
                + "p50 %s p99 %s max %s%n", patches.sent(), patches.delivered(), patches.lost(), result.conflicts(),
                ResultTables.errors(patches.errors()), Numbers.millis(result.receipts().p50Ms()),
                Numbers.millis(result.receipts().p99Ms()), Numbers.millis(result.receipts().maxMs()));
        return result;
    }

    /** Adds up the users' counts device by device (or role by role). */
    static VersionOrder.Counts[] sumByIndex(List<VersionOrder.Counts[]> perUser) {
        VersionOrder.Counts[] total = new VersionOrder.Counts[SessionUser.PLANS.size()];
        Arrays.fill(total, VersionOrder.Counts.NONE);
        for (VersionOrder.Counts[] counts : perUser) {
            for (int i = 0; i < total.length; i++) {
                total[i] = total[i].plus(counts[i]);
            }
        }
        return total;
    }

    private static void flushAcks(List<SessionUser> users) {
        try {
            users.forEach(SessionUser::flushAcks);
        } catch (RuntimeException e) {
            // a failing flush must not cancel the periodic task: the next one tries again
            System.err.println("[bench] ack flush failed: " + e);
        }
    }

    private void printPlan(String runId, MachineInfo machine) {
        System.out.printf(Locale.ROOT, "rccs-bench sessions, run %s%n", runId);
        System.out.printf(Locale.ROOT, "  machine   %s (client and stack share it)%n", machine.describe());
        System.out.printf(Locale.ROOT, "  devices   desktop A %s, desktop B and phone %s%n", options.gateways().get(0),
                options.gateways().get(1));
        System.out.printf(Locale.ROOT, "  session   %d KiB document, requires %s; %d users%n", options.documentKib(),
                SessionUser.CAPABILITY, options.users());
        if (options.handoff()) {
            System.out.printf(Locale.ROOT, "  handoff   closed loop per user, at most %d/s each; %d s warm-up + %d s measured%n",
                    options.handoffRate(), options.warmupSeconds(), options.durationSeconds());
        }
        if (options.fanout()) {
            System.out.printf(Locale.ROOT, "  fan-out   %d patches/s to 3 devices each; %d s warm-up + %d s measured%n",
                    options.patchRate(), options.warmupSeconds(), options.durationSeconds());
        }
        System.out.printf(Locale.ROOT, "  CPU from  %s%n", options.stateDir().resolve("pids"));
        System.out.printf(Locale.ROOT, "  devices   credentials kept in %s%n", options.stateDir().resolve(CredentialStore.FILE));
    }

    /** What the handoff part measured. */
    record HandoffResult(int users, int durationSeconds, long started, long completed, long unfinished, long unmatched,
            Map<String, Long> notAccepted, Map<String, Long> errors, Percentiles oldOwner, Percentiles newOwner,
            Percentiles phone, VersionOrder.Counts[] versions, Map<String, Double> cpuSeconds) {

        static HandoffResult of(HandoffTracker tracker, int durationSeconds, int users, VersionOrder.Counts[] versions,
                Map<String, Double> cpuSeconds) {
            return new HandoffResult(users, durationSeconds, tracker.started(), tracker.completed(), tracker.unfinished(),
                    tracker.unmatched(), tracker.notAccepted(), tracker.errors(), Percentiles.of(tracker.oldOwnerMicros()),
                    Percentiles.of(tracker.newOwnerMicros()), Percentiles.of(tracker.phoneMicros()), versions, cpuSeconds);
        }

        /** Completed handoffs per second of the measured window, all users together. */
        double perSecond() {
            return completed / (double) durationSeconds;
        }

        long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** What the fan-out part measured: the step (patches, at all three devices) and the receipts by role. */
    record FanoutResult(StepResult step, Percentiles receipts, Percentiles[] byRole, long[] duplicatesByRole, long conflicts,
            VersionOrder.Counts[] versions) {

        static FanoutResult of(StepResult step, FanoutTracker tracker, VersionOrder.Counts[] versions) {
            Percentiles[] byRole = new Percentiles[FanoutTracker.ROLES];
            long[] duplicates = new long[FanoutTracker.ROLES];
            for (int role = 0; role < FanoutTracker.ROLES; role++) {
                byRole[role] = Percentiles.of(tracker.roleMicros(role));
                duplicates[role] = tracker.duplicates(role);
            }
            return new FanoutResult(step, Percentiles.of(tracker.receiptMicros()), byRole, duplicates, tracker.conflicts(), versions);
        }
    }
}
