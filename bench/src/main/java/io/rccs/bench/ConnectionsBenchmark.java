package io.rccs.bench;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.IntStream;

import org.HdrHistogram.Histogram;

/**
 * {@code connections}: issue 9's scale target — 20,000 authenticated idle connections on one gateway,
 * established (welcome received) within 60 s, at most 20 KiB of heap each. Connection {@code i} is
 * device {@code conn-<i mod per-user>} of bench user {@code bench-conn-<i / per-user>}; a bounded
 * number of connects is under way at once (each a thread blocked on its welcome, only while
 * connecting), so the rate is the stack's, not a flood of upgrades. Devices the bench never registered
 * are registered first, unmeasured: the measured pass is the one a gateway restart causes, known
 * devices saying hello again with their credentials.
 */
final class ConnectionsBenchmark {

    /** How often progress is printed and, while holding, the sockets are checked. */
    private static final long TICK_MILLIS = 5_000;
    /** Connects a retryable refusal (the relay busy) may cost one connection before it counts as failed. */
    private static final int ATTEMPTS = 5;
    private static final String USER_PREFIX = "bench-conn-";

    /** One logical bench user's Keycloak account and token. */
    private static final class ConnUser {
        final String user;
        volatile String account;
        volatile AccessToken token;

        ConnUser(String user) {
            this.user = user;
        }
    }

    /** What one connect ended with: its socket, or why not, with its timing. */
    record Outcome(FrameSocket socket, String failure, long startNanos, long welcomeNanos, int retries) {
    }

    private final ConnectionsOptions options;
    private final AtomicLong framesAfterWelcome = new AtomicLong();

    ConnectionsBenchmark(ConnectionsOptions options) {
        this.options = options;
    }

    void run() {
        MachineInfo machine = MachineInfo.current();
        Instant startedAt = Instant.now();
        JvmProcess gateway = JvmProcess.recorded(options.stateDir(), options.gatewayName());
        printPlan(machine, gateway);
        checkFileLimits(gateway);

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(options.timeoutSeconds())).build();
        KeycloakUsers keycloak = new KeycloakUsers(http, options.keycloak(), options.adminUser(), options.adminPassword());
        CredentialStore credentials = CredentialStore.load(options.stateDir());
        DeviceConnector connector = new DeviceConnector(http, List.of(options.gateway(), options.gateway()), keycloak, credentials);
        List<ConnUser> users = IntStream.rangeClosed(1, options.users())
                .mapToObj(n -> new ConnUser(String.format(Locale.ROOT, "%s%03d", USER_PREFIX, n))).toList();
        ProcessCpu cpu = new ProcessCpu(options.stateDir());
        AtomicReferenceArray<Outcome> outcomes = new AtomicReferenceArray<>(options.connections());
        try {
            System.out.printf(Locale.ROOT, "setting up %d users (tokens; one device each checked against the stack) ...%n", users.size());
            BenchThreads.inParallel(users, user -> setUp(user, keycloak, credentials, connector, http), "set up");
            registerMissing(users, credentials, http);
            refreshTokens(users, keycloak);

            ConnectionsResult.Memory before = gateway == null ? null : memory(gateway, "before");
            ProcessCpu.Snapshot connectStart = cpu.snapshot();
            long started = System.nanoTime();
            connectAll(users, credentials, http, outcomes, started);
            long finished = System.nanoTime();
            ProcessCpu.Snapshot connectEnd = cpu.snapshot();
            List<FrameSocket> held = open(outcomes);
            System.out.printf(Locale.ROOT, "  established %d of %d in %.1f s%n", held.size(), options.connections(),
                    (finished - started) / 1e9);

            ConnectionsResult.Hold hold = hold(held);
            ProcessCpu.Snapshot holdEnd = cpu.snapshot();
            int openAtMeasure = countOpen(held);
            ConnectionsResult.Memory after = gateway == null ? null : memory(gateway, "with " + openAtMeasure + " connections");
            ConnectionsResult result = ConnectionsResult.of(outcomes, started, finished, cpu.secondsBetween(connectStart, connectEnd),
                    hold, cpu.secondsBetween(connectEnd, holdEnd), before, after, openAtMeasure, framesAfterWelcome.get());
            double closeSeconds = closeAll(held, gateway, before);
            ConnectionsReport report = new ConnectionsReport(options, machine, startedAt, result, closeSeconds);
            List<Path> written = report.write();
            System.out.println();
            System.out.print(report.console());
            written.forEach(path -> System.out.println("wrote " + path));
        } finally {
            for (int i = 0; i < outcomes.length(); i++) {
                Outcome outcome = outcomes.get(i);
                if (outcome != null && outcome.socket() != null && outcome.socket().isOpen()) {
                    outcome.socket().close();
                }
            }
            BenchThreads.lingerForCloseFrames();
        }
    }

    /**
     * A token for the user's current Keycloak user; its first device says hello with what was kept. A
     * refusal for good (the stack forgot or no longer matches the credentials, or the user has too many
     * devices) starts the user over as a new Keycloak user, whose devices all register anew.
     */
    private void setUp(ConnUser user, KeycloakUsers keycloak, CredentialStore credentials, DeviceConnector connector, HttpClient http) {
        user.account = credentials.account(user.user);
        KeycloakUsers.Login login = keycloak.login(user.account);
        if (login.created()) {
            credentials.forget(user.account); // a new Keycloak user: nothing kept can be its
        }
        user.token = login.token();
        DevicePlan first = plan(0);
        try {
            FrameSocket probe = connectOnce(user, credentials, http, first);
            probe.close();
        } catch (HelloRefused refused) {
            if (refused.retryable()) {
                throw refused;
            }
            System.err.printf("[bench] %s%n", refused.getMessage());
            KeycloakUsers.Login fresh = connector.startOver(user.user);
            user.account = credentials.account(user.user);
            user.token = fresh.token();
            connectOnce(user, credentials, http, first).close();
        }
        credentials.save();
    }

    /** Registers (hello without a credential, then close) every device the bench has no credential for; not measured. */
    private void registerMissing(List<ConnUser> users, CredentialStore credentials, HttpClient http) {
        List<Runnable> registrations = new ArrayList<>();
        for (int i = 0; i < options.connections(); i++) {
            ConnUser user = userOf(users, i);
            DevicePlan plan = plan(i % options.devicesPerUser());
            if (credentials.get(user.account, plan.deviceId()) == null) {
                registrations.add(() -> {
                    Outcome outcome = connectMeasured(user, credentials, http, plan);
                    if (outcome.socket() == null) {
                        throw new BenchException(user.account + "/" + plan.deviceId() + ": cannot register: " + outcome.failure());
                    }
                    outcome.socket().close();
                });
            }
        }
        if (registrations.isEmpty()) {
            System.out.println("every device is registered (credentials kept in " + credentials.file() + ")");
            return;
        }
        System.out.printf(Locale.ROOT, "registering %d devices this bench has no credential for (not measured) ...%n",
                registrations.size());
        AtomicInteger done = new AtomicInteger();
        try {
            BenchThreads.inParallel(registrations, registration -> {
                registration.run();
                if (done.incrementAndGet() % 1000 == 0) {
                    System.out.printf(Locale.ROOT, "  %d registered%n", done.get());
                    credentials.save();
                }
            }, "register", options.inFlight());
        } finally {
            credentials.save();
        }
        BenchThreads.pause(2_000); // the registrations' closes reach the gateway before the baseline is taken
    }

    /** Fetches a new token for every user whose token would expire before the connections are closed. */
    private void refreshTokens(List<ConnUser> users, KeycloakUsers keycloak) {
        // the connects at a pessimistic 50/s, the hold, and two minutes for measuring and closing
        Instant needed = Instant.now().plusSeconds(options.connections() / 50 + options.holdSeconds() + 120L);
        List<ConnUser> stale = users.stream().filter(user -> user.token.expiresBefore(needed)).toList();
        if (!stale.isEmpty()) {
            System.out.printf(Locale.ROOT, "new tokens for %d users (theirs would expire during the run) ...%n", stale.size());
            BenchThreads.inParallel(stale, user -> user.token = keycloak.tokenFor(user.account), "token");
        }
    }

    /** The measured pass: every connection, {@code in-flight} at a time, each with its device's credential. */
    private void connectAll(List<ConnUser> users, CredentialStore credentials, HttpClient http,
            AtomicReferenceArray<Outcome> outcomes, long started) {
        System.out.printf(Locale.ROOT, "connecting %d devices, %d at a time ...%n", options.connections(), options.inFlight());
        ExecutorService pool = Executors.newFixedThreadPool(options.inFlight(), BenchThreads.daemon("bench-connect"));
        AtomicInteger established = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        for (int i = 0; i < options.connections(); i++) {
            int index = i;
            pool.execute(() -> {
                Outcome outcome = connectMeasured(userOf(users, index), credentials, http, plan(index % options.devicesPerUser()));
                outcomes.set(index, outcome);
                (outcome.socket() != null ? established : failed).incrementAndGet();
            });
        }
        pool.shutdown();
        int lastEstablished = 0;
        try {
            while (!pool.awaitTermination(TICK_MILLIS, TimeUnit.MILLISECONDS)) {
                int now = established.get();
                System.out.printf(Locale.ROOT, "  %5.0f s: established %d (%.0f/s over the last %d s), failed %d%n",
                        (System.nanoTime() - started) / 1e9, now, (now - lastEstablished) * 1000.0 / TICK_MILLIS,
                        TICK_MILLIS / 1000, failed.get());
                lastEstablished = now;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
            throw new BenchException("interrupted while connecting", e);
        }
    }

    private Outcome connectMeasured(ConnUser user, CredentialStore credentials, HttpClient http, DevicePlan plan) {
        long start = System.nanoTime();
        for (int attempt = 1;; attempt++) {
            try {
                FrameSocket socket = connectOnce(user, credentials, http, plan);
                return new Outcome(socket, null, start, socket.welcomeNanos(), attempt - 1);
            } catch (HelloRefused refused) {
                if (!refused.retryable() || attempt >= ATTEMPTS) {
                    return new Outcome(null, "refused " + refused.code(), start, 0, attempt - 1);
                }
                BenchThreads.pause(500L * attempt);
            } catch (BenchException e) {
                return new Outcome(null, failureKind(e), start, 0, attempt - 1);
            }
        }
    }

    /** One connect of one device with the credential kept for it (none: it registers, and its credential is kept). */
    private FrameSocket connectOnce(ConnUser user, CredentialStore credentials, HttpClient http, DevicePlan plan) {
        String credential = credentials.get(user.account, plan.deviceId());
        FrameSocket socket = FrameSocket.open(http, options.gateway(), user.token, plan, credential,
                user.account + "/" + plan.deviceId(), (s, frame, nanos) -> framesAfterWelcome.incrementAndGet(),
                Duration.ofSeconds(options.timeoutSeconds()));
        if (socket.issuedCredential() != null) {
            credentials.put(user.account, plan.deviceId(), socket.issuedCredential());
        }
        return socket;
    }

    /** Holds every socket for {@code --hold} seconds, counting those that close and why. */
    private ConnectionsResult.Hold hold(List<FrameSocket> held) {
        System.out.printf(Locale.ROOT, "holding %d connections for %d s ...%n", held.size(), options.holdSeconds());
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.holdSeconds());
        long start = System.nanoTime();
        while (System.nanoTime() < end) {
            BenchThreads.pause(Math.min(TICK_MILLIS, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
            System.out.printf(Locale.ROOT, "  %3.0f s: %d open%n", (System.nanoTime() - start) / 1e9, countOpen(held));
        }
        Map<String, Long> reasons = new TreeMap<>();
        for (FrameSocket socket : held) {
            if (!socket.isOpen()) {
                reasons.merge(socket.closeReason() == null ? "closed" : socket.closeReason(), 1L, Long::sum);
            }
        }
        return new ConnectionsResult.Hold(options.holdSeconds(), held.size(), countOpen(held), reasons);
    }

    private static ConnectionsResult.Memory memory(JvmProcess gateway, String when) {
        System.out.printf(Locale.ROOT, "%s: full GC and heap, RSS, class histogram (%s) ...%n", gateway.name(), when);
        long heap = gateway.heapUsedAfterFullGcKib();
        ClassHistogram histogram = gateway.classHistogram();
        return new ConnectionsResult.Memory(heap, gateway.rssKib(), gateway.openFiles(), histogram);
    }

    /**
     * Closes every socket (close frame, then the TCP connection) and waits until the gateway's open files
     * are back near where they were before; returns how long that took, NaN if it was not seen.
     */
    private static double closeAll(List<FrameSocket> held, JvmProcess gateway, ConnectionsResult.Memory before) {
        System.out.printf(Locale.ROOT, "closing %d connections ...%n", held.size());
        long start = System.nanoTime();
        held.forEach(FrameSocket::close);
        if (gateway == null || before == null) {
            BenchThreads.lingerForCloseFrames();
            return Double.NaN;
        }
        long deadline = start + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (gateway.openFiles() <= before.openFiles() + 20) {
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf(Locale.ROOT, "  the gateway's open files are back to %d in %.1f s%n", gateway.openFiles(), seconds);
                return seconds;
            }
            BenchThreads.pause(200);
        }
        System.out.printf(Locale.ROOT, "  the gateway still has %d files open 60 s later (%d before)%n", gateway.openFiles(),
                before.openFiles());
        return Double.NaN;
    }

    /**
     * Refuses to start when the gateway or this JVM cannot open that many more files: every connection
     * is a socket on each side, and a process at its limit fails in ways that say nothing about memory.
     */
    private void checkFileLimits(JvmProcess gateway) {
        int needed = options.connections() + 64;
        if (gateway != null) {
            long room = gateway.maxOpenFiles() - gateway.openFiles();
            if (room < needed) {
                throw new BenchException(String.format(Locale.ROOT, "%s (pid %d) may open %d more files (limit %d, %d open), "
                        + "%d connections need about %d: pass --connections %d at most, or start the services with a higher "
                        + "ulimit -n (./rccs raises the soft limit to the hard one, %d here)", gateway.name(), gateway.pid(), room,
                        gateway.maxOpenFiles(), gateway.openFiles(), options.connections(), needed, Math.max(0, room - 64),
                        gateway.maxOpenFiles()));
            }
        }
        Path self = Path.of("/proc/self");
        if (self.resolve("limits").toFile().canRead()) {
            long room = JvmProcess.OpenFiles.limit(self) - JvmProcess.OpenFiles.count(self);
            if (room < needed) {
                throw new BenchException(String.format(Locale.ROOT, "this JVM may open %d more files, %d connections need about %d: "
                        + "raise ulimit -n (./rccs bench does up to the hard limit) or pass --connections %d at most", room,
                        options.connections(), needed, Math.max(0, room - 64)));
            }
        }
    }

    private ConnUser userOf(List<ConnUser> users, int index) {
        return users.get(index / options.devicesPerUser());
    }

    private static DevicePlan plan(int device) {
        String number = String.format(Locale.ROOT, "%03d", device + 1);
        return new DevicePlan("conn-" + number, "bench connection " + number, "desktop", List.of(), 0);
    }

    private static List<FrameSocket> open(AtomicReferenceArray<Outcome> outcomes) {
        List<FrameSocket> sockets = new ArrayList<>();
        for (int i = 0; i < outcomes.length(); i++) {
            Outcome outcome = outcomes.get(i);
            if (outcome != null && outcome.socket() != null) {
                sockets.add(outcome.socket());
            }
        }
        return sockets;
    }

    private static int countOpen(List<FrameSocket> sockets) {
        return (int) sockets.stream().filter(FrameSocket::isOpen).count();
    }

    /** A short name for why a connect failed, to count failures by kind. */
    private static String failureKind(BenchException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("no welcome")) {
            return "timeout";
        }
        if (message.contains("closed by the server")) {
            return "closed " + message.substring(message.indexOf("closed by the server: ") + 22).split(" ")[0];
        }
        Throwable cause = e.getCause();
        while (cause != null && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause == null ? "failed" : cause.getClass().getSimpleName();
    }

    private void printPlan(MachineInfo machine, JvmProcess gateway) {
        System.out.println("rccs-bench connections");
        System.out.printf(Locale.ROOT, "  machine   %s (client and stack share it)%n", machine.describe());
        System.out.printf(Locale.ROOT, "  gateway   %s (%s)%n", options.gateway(),
                gateway == null ? "no live pid in " + options.stateDir().resolve("pids") + ": no memory figures"
                        : options.gatewayName() + ", pid " + gateway.pid());
        System.out.printf(Locale.ROOT, "  load      %d connections, %d users x up to %d devices, %d connects at once, held %d s%n",
                options.connections(), options.users(), options.devicesPerUser(), options.inFlight(), options.holdSeconds());
        System.out.printf(Locale.ROOT, "  devices   credentials kept in %s%n", options.stateDir().resolve(CredentialStore.FILE));
    }

    /** Connect latency in microseconds, from the start of the upgrade to the welcome's first byte. */
    static Histogram latencies(AtomicReferenceArray<Outcome> outcomes) {
        Histogram micros = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        for (int i = 0; i < outcomes.length(); i++) {
            Outcome outcome = outcomes.get(i);
            if (outcome != null && outcome.socket() != null) {
                micros.recordValue(Math.max(0, (outcome.welcomeNanos() - outcome.startNanos()) / 1000));
            }
        }
        return micros;
    }
}
