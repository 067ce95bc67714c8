package io.rccs.e2e;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import io.rccs.client.RccsDevice;
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

    /** Starts a device of {@code user} that connects only to gateway {@code gateway} and records what it gets. */
    Recorded start(String user, String deviceId, int gateway, Long resumeFrom) {
        return start(user, deviceId, List.of(Stack.gateway(gateway)), resumeFrom);
    }

    Recorded start(String user, String deviceId, List<URI> gateways, Long resumeFrom) {
        return start(user, deviceId, gateways, resumeFrom, Duration.ofSeconds(30));
    }

    /** As {@link #start(String, String, List, Long)}, waiting up to {@code welcomeWithin} for the welcome. */
    Recorded start(String user, String deviceId, List<URI> gateways, Long resumeFrom, Duration welcomeWithin) {
        List<Frame> messages = new CopyOnWriteArrayList<>();
        List<Frame> others = new CopyOnWriteArrayList<>();
        RccsDevice device = RccsDevice.builder(deviceId, gateways, () -> token(user))
                .kind("desktop")
                .capabilities(List.of("roo.task@1"))
                .onMessage(messages::add)
                .onOtherFrame(others::add)
                .resumeFrom(resumeFrom)
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
