package io.rccs.e2e;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import io.rccs.client.CredentialStore;
import io.rccs.client.RccsDevice;
import io.rccs.model.protocol.payload.PairCode;
import io.rccs.model.protocol.payload.PairResult;
import io.rccs.model.protocol.Frame;

/** Devices for the inbox and fault tests: resilient {@link RccsDevice}s that record what they were handed. */
final class Devices implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Map<String, Token> TOKENS = new ConcurrentHashMap<>();

    private record Token(String value, long fetchedAt) {
    }

    /** A device and everything its application was handed, in order. */
    record Recorded(RccsDevice device, List<Frame> messages, List<Frame> others) {
    }

    private final List<RccsDevice> started = new CopyOnWriteArrayList<>();
    /** Each device's credential store, so that a device started again proves itself. */
    private final Map<String, CredentialStore> credentials = new ConcurrentHashMap<>();
    /** Per user, the first trusted device started here and what it was handed: it pairs the others. */
    private final Map<String, Recorded> pairers = new ConcurrentHashMap<>();

    static String unique(String prefix) {
        byte[] random = new byte[4];
        RANDOM.nextBytes(random);
        return prefix + "-" + HexFormat.of().formatHex(random);
    }

    /** A token of a realm test user, fetched again after a minute (tokens live 15). */
    static String token(String user) {
        return TOKENS.compute(user, (name, cached) -> cached != null && System.currentTimeMillis() - cached.fetchedAt() < 60_000
                ? cached : new Token(Stack.token(name), System.currentTimeMillis())).value();
    }

    /**
     * Starts a device of {@code user} that connects only to gateway {@code gateway} and records what
     * it gets; a pending device is paired by the user's first trusted device started here.
     */
    Recorded start(String user, String deviceId, int gateway, Long resumeFrom) {
        return start(user, deviceId, List.of(Stack.gateway(gateway)), resumeFrom);
    }

    Recorded start(String user, String deviceId, List<URI> gateways, Long resumeFrom) {
        hubOf(user);
        Recorded recorded = start(user, deviceId, gateways, resumeFrom, Duration.ofSeconds(30));
        if (!recorded.device().trusted()) {
            pair(user, recorded);
        }
        return recorded;
    }

    /**
     * The user's hub: their first device (so trusted), started before any other and kept connected
     * until the end of the test, so that every later device can be paired whatever the test does
     * with the others.
     */
    private Recorded hubOf(String user) {
        return pairers.computeIfAbsent(user, ignored -> {
            Recorded hub = start(user, unique("hub"), List.of(Stack.gateway(0)), null, Duration.ofSeconds(30));
            if (!hub.device().trusted()) {
                throw new AssertionError("the first device of " + user + " is not trusted: is the user fresh (TestUsers)?");
            }
            return hub;
        });
    }

    /** Pairs a device said hello on a plain client (still pending) through the user's hub. */
    void pairClient(String user, io.rccs.client.RccsClient client, String deviceId) {
        Recorded hub = hubOf(user);
        try {
            PairCode code = hub.device().pairStart().get(30, TimeUnit.SECONDS);
            Frame claim = client.send("pair.claim", null, Map.of("code", code.code()));
            if (!await(Duration.ofSeconds(30), () -> pairRequestFor(hub, deviceId) != null)) {
                throw new AssertionError("no pair.request for " + deviceId + " reached the hub");
            }
            hub.device().pairApprove(pairRequestFor(hub, deviceId).payload().path("claimId").asText()).get(30, TimeUnit.SECONDS);
            Frame result = client.await(io.rccs.client.FrameMatcher.type("pair.result")
                    .or(io.rccs.client.FrameMatcher.corr(claim.id())), Duration.ofSeconds(30));
            if (!result.payload().path("approved").asBoolean(false)) {
                throw new AssertionError("the pairing of " + deviceId + " was not approved: " + result);
            }
        } catch (Exception e) {
            throw new AssertionError("could not pair " + deviceId + ": " + e, e);
        }
    }

    /** Pairs a pending device through the user's hub: start, claim, request, approve, result. */
    private void pair(String user, Recorded pending) {
        Recorded pairer = hubOf(user);
        try {
            PairCode code = pairer.device().pairStart().get(30, TimeUnit.SECONDS);
            CompletableFuture<PairResult> claimed = pending.device().pairClaim(code.code());
            String deviceId = pending.device().deviceId();
            if (!await(Duration.ofSeconds(30), () -> pairRequestFor(pairer, deviceId) != null)) {
                throw new AssertionError("no pair.request for " + deviceId + " reached " + pairer.device().deviceId());
            }
            pairer.device().pairApprove(pairRequestFor(pairer, deviceId).payload().path("claimId").asText()).get(30, TimeUnit.SECONDS);
            if (!claimed.get(30, TimeUnit.SECONDS).approved()) {
                throw new AssertionError("the pairing of " + deviceId + " was not approved");
            }
        } catch (Exception e) {
            throw new AssertionError("could not pair " + pending.device().deviceId() + ": " + e, e);
        }
    }

    private static Frame pairRequestFor(Recorded pairer, String deviceId) {
        return pairer.others().stream().filter(frame -> "pair.request".equals(frame.type())
                && deviceId.equals(frame.payload().path("deviceId").asText())).findFirst().orElse(null);
    }

    /** The credential the device was given (null before its first welcome). */
    String credentialOf(String deviceId) {
        CredentialStore store = credentials.get(deviceId);
        return store == null ? null : store.load().orElse(null);
    }

    /** A trusted device of the given kind and capabilities on gateway {@code gateway} (paired by the hub if need be). */
    Recorded start(String user, String deviceId, int gateway, String kind, List<String> capabilities) {
        hubOf(user);
        Recorded recorded = start(user, deviceId, List.of(Stack.gateway(gateway)), null, Duration.ofSeconds(30), kind, capabilities);
        if (!recorded.device().trusted()) {
            pair(user, recorded);
        }
        return recorded;
    }

    /** As {@link #start(String, String, List, Long)} without pairing, waiting up to {@code welcomeWithin} for the welcome. */
    Recorded start(String user, String deviceId, List<URI> gateways, Long resumeFrom, Duration welcomeWithin) {
        return start(user, deviceId, gateways, resumeFrom, welcomeWithin, "desktop", List.of("roo.task@1"));
    }

    private Recorded start(String user, String deviceId, List<URI> gateways, Long resumeFrom, Duration welcomeWithin,
            String kind, List<String> capabilities) {
        List<Frame> messages = new CopyOnWriteArrayList<>();
        List<Frame> others = new CopyOnWriteArrayList<>();
        RccsDevice device = RccsDevice.builder(deviceId, gateways, () -> token(user))
                .kind(kind)
                .capabilities(capabilities)
                .onMessage(messages::add)
                .onOtherFrame(others::add)
                .resumeFrom(resumeFrom)
                .credentialStore(credentials.computeIfAbsent(deviceId, ignored -> CredentialStore.inMemory()))
                .maxSendAttempts(1_000)
                .start();
        started.add(device);
        if (!device.awaitConnected(welcomeWithin)) {
            throw new AssertionError(deviceId + " was not welcomed within " + welcomeWithin);
        }
        return new Recorded(device, messages, others);
    }

    /** Waits until the condition holds, polling every 100 ms; false when the deadline passed first. */
    static boolean await(Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(100);
        }
        return true;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        for (RccsDevice device : started) {
            try {
                device.close();
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
        started.clear();
    }
}
