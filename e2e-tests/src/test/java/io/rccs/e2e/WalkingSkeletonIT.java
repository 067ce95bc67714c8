package io.rccs.e2e;

import static io.rccs.client.FrameMatcher.corr;
import static io.rccs.client.FrameMatcher.from;
import static io.rccs.client.FrameMatcher.id;
import static io.rccs.client.FrameMatcher.payload;
import static io.rccs.client.FrameMatcher.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.client.FrameMatcher;
import io.rccs.client.RccsClient;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.payload.Devices;
import io.rccs.model.protocol.payload.Welcome;

/**
 * The walking skeleton, end to end against the live stack: two gateway instances, Keycloak, Kafka,
 * Redis, PostgreSQL and the services. Every test makes its own devices with ids unique to the run,
 * because the database outlives a run.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class WalkingSkeletonIT {

    /** Per await: generous, as most answers go through Kafka and the services. */
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** How long "nothing arrives" is watched. */
    private static final Duration QUIET = Duration.ofSeconds(3);
    private static final Duration POLL_EVERY = Duration.ofMillis(500);

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String RUN = randomHex(3);

    private final List<Household> households = new ArrayList<>();

    @AfterEach
    void closeConnections() {
        households.forEach(Household::close);
        households.clear();
    }

    /** A fresh user for this test (a user's first device is the only one that trusts itself). */
    private Household household(String prefix) {
        Household household = Household.fresh(prefix);
        households.add(household);
        return household;
    }

    @Test
    @DisplayName("a) a message from alice's mobile on gateway 2 reaches her desktop on gateway 1")
    void messageCrossesGateways() {
        String desktopId = deviceId("alice", "desktop");
        String mobileId = deviceId("alice", "mobile");
        Household alice = household("alice");

        RccsClient desktop = alice.trusted(0, desktopId, List.of("roo.task@1", "notify"));
        RccsClient mobile = alice.trusted(1, mobileId, List.of("notify"));

        Frame sent = mobile.send("message", desktopId, Map.of("text", "hi"));

        Frame received = desktop.await(type("message").and(id(sent.id())), WAIT);
        assertThat(received.from()).as("from of the delivered message").isEqualTo(mobileId);
        assertThat(received.payload()).as("payload of the delivered message").isEqualTo(sent.payload());
        assertThat(mobile.drain(type("error").and(corr(sent.id())))).as("errors for the sent message").isEmpty();
        if (received.seq() != null) {
            desktop.send("ack", null, Map.of("upTo", received.seq()));
        }
    }

    @Test
    @DisplayName("b) a command for an offline desktop is queued, delivered when it connects, acknowledged, and idempotent")
    void commandForAnOfflineDevice() {
        String desktopId = deviceId("alice", "desktop2");
        String mobileId = deviceId("alice", "mobile");
        Household alice = household("alice");

        // the phone (the user's first device) pairs the desktop, which then goes offline
        RccsClient mobile = alice.trusted(1, mobileId, List.of("notify"));
        alice.trusted(0, desktopId, List.of("roo.task@1")).close();
        awaitPresence(mobile, desktopId, "offline");

        ObjectNode command = FrameCodec.mapper().createObjectNode();
        command.put("name", "roo.task.run");
        command.putObject("args").put("prompt", "x");
        command.put("priority", "high");
        Frame submit = mobile.send("command.submit", desktopId, command);

        Frame queued = mobile.await(corr(submit.id()).and(type("command.status").or(type("error"))), WAIT);
        assertThat(queued.type()).as("answer to command.submit: %s", queued).isEqualTo("command.status");
        assertThat(queued.payload().path("status").asText()).as("status in %s", queued).isEqualTo("QUEUED");
        String commandId = queued.payload().path("commandId").asText();
        assertThat(commandId).as("commandId in %s", queued).isNotBlank();

        // the desktop comes back (proving itself with its credential) and gets the command
        RccsClient desktop = alice.open(0);
        assertWelcome(alice.connect(desktop, desktopId, "desktop", List.of("roo.task@1")), desktopId);
        Frame delivered = desktop.await(type("command").and(payload("commandId", commandId)), WAIT);
        assertThat(delivered.from()).as("from of %s", delivered).isEqualTo(mobileId);
        assertThat(delivered.payload().path("name").asText()).isEqualTo("roo.task.run");
        assertThat(delivered.payload().path("args")).isEqualTo(command.get("args"));
        assertThat(delivered.payload().path("priority").asText()).isEqualTo("high");
        assertThat(delivered.payload().path("attempt").asInt()).as("attempt in %s", delivered).isGreaterThanOrEqualTo(1);

        desktop.send("command.ack", null, Map.of("commandId", commandId));
        mobile.await(type("command.status").and(payload("commandId", commandId)).and(payload("status", "DELIVERED")), WAIT);

        // the same submit again (same frame id) is the same command
        mobile.drain(corr(submit.id()));
        mobile.send(submit);
        Frame again = mobile.await(corr(submit.id()).and(type("command.status").or(type("error"))), WAIT);
        assertThat(again.type()).as("answer to the repeated command.submit: %s", again).isEqualTo("command.status");
        assertThat(again.payload().path("commandId").asText()).as("commandId of the repeated submit").isEqualTo(commandId);
        assertThat(desktop.nothingMatching(type("command").and(FrameMatcher.of("another commandId",
                frame -> !commandId.equals(frame.payload().path("commandId").asText()))), QUIET))
                .as("the desktop gets no second command; received: %s", desktop.received())
                .isTrue();
    }

    @Test
    @DisplayName("c) bob cannot message alice's desktop, and nothing of his reaches it")
    void noMessagesAcrossUsers() {
        String aliceDesktopId = deviceId("alice", "desktop");
        String bobId = deviceId("bob", "mobile");

        RccsClient aliceDesktop = household("alice").trusted(0, aliceDesktopId, List.of());
        RccsClient bob = household("bob").trusted(1, bobId, List.of());

        Frame sent = bob.send("message", aliceDesktopId, Map.of("text", "from bob"));

        Frame error = bob.await(corr(sent.id()).and(type("error")), WAIT);
        // bob's device is trusted (his first): alice's device is simply not one of his
        assertThat(error.payload().path("code").asText()).as("error code in %s", error).isEqualTo("not_found");
        assertThat(aliceDesktop.nothingMatching(from(bobId).or(id(sent.id())), QUIET))
                .as("alice's desktop receives nothing from bob; received: %s", aliceDesktop.received())
                .isTrue();
        assertThat(aliceDesktop.isOpen()).isTrue();
    }

    @Test
    @DisplayName("d) an upgrade without a valid token gets HTTP 401 on every gateway")
    void upgradeNeedsAValidToken() {
        String aliceToken = Stack.token(Stack.ALICE);
        for (URI gateway : Stack.gateways()) {
            assertThat(RccsClient.upgradeStatus(gateway, null)).as("no token at %s", gateway).isEqualTo(401);
            assertThat(RccsClient.upgradeStatus(gateway, "garbage")).as("garbage token at %s", gateway).isEqualTo(401);
            assertThat(RccsClient.upgradeStatus(gateway, forgedSignature(aliceToken)))
                    .as("token with a forged signature at %s", gateway).isEqualTo(401);
            assertThat(RccsClient.upgradeStatus(gateway, aliceToken)).as("valid token at %s", gateway).isEqualTo(101);
        }
    }

    @Test
    @DisplayName("e) malformed frames get error frames and the connection stays open")
    void badFramesGetErrors() {
        String deviceId = deviceId("alice", "web");
        RccsClient client = household("alice").trusted(0, deviceId, List.of());

        client.sendRaw("not json");
        Frame badFrame = client.await(type("error").and(payload("code", "bad_frame")), WAIT);
        assertThat(badFrame.payload().path("message").asText()).as("message in %s", badFrame).isNotBlank();

        client.sendRaw("{\"v\":1,\"id\":\"x1\",\"type\":\"no.such.type\"}");
        Frame unknownType = client.await(type("error").and(corr("x1")), WAIT);
        assertThat(unknownType.payload().path("code").asText()).as("code in %s", unknownType).isEqualTo("unknown_type");

        client.send(new Frame(Frame.VERSION, "p1", "ping", null, null, null, null, System.currentTimeMillis(), null));
        client.await(type("pong").and(corr("p1")), WAIT);
        assertThat(client.isOpen()).as("connection still open").isTrue();
    }

    @Test
    @DisplayName("f) commands survive a restart of the command queue, and a submit made while it is down is not lost")
    void commandsSurviveACommandQueueRestart() throws Exception {
        String control = System.getenv("RCCS_E2E_CONTROL");
        Assumptions.assumeTrue(control != null && !control.isBlank(), "RCCS_E2E_CONTROL (the rccs script) is not set");
        String desktopId = deviceId("alice", "desktop3");
        String mobileId = deviceId("alice", "mobile3");
        Household alice = household("alice");
        RccsClient mobile = alice.trusted(1, mobileId, List.of());
        alice.trusted(0, desktopId, List.of()).close();
        awaitPresence(mobile, desktopId, "offline");

        Frame before = mobile.send("command.submit", desktopId, Map.of("name", "before.restart"));
        String beforeId = mobile.await(corr(before.id()).and(type("command.status")).and(payload("status", "QUEUED")), WAIT)
                .payload().path("commandId").asText();

        runControl(control, "service", "stop", "queue");
        Frame during = mobile.send("command.submit", desktopId, Map.of("name", "while.down", "priority", "critical"));
        runControl(control, "service", "start", "queue");
        String duringId = mobile.await(corr(during.id()).and(type("command.status")).and(payload("status", "QUEUED")), WAIT)
                .payload().path("commandId").asText();

        RccsClient desktop = alice.open(0);
        assertWelcome(alice.connect(desktop, desktopId, "desktop", List.of()), desktopId);
        Frame first = desktop.await(type("command"), WAIT);
        Frame second = desktop.await(type("command"), WAIT);
        assertThat(first.payload().path("commandId").asText()).as("the critical command comes first").isEqualTo(duringId);
        assertThat(second.payload().path("commandId").asText()).isEqualTo(beforeId);
    }

    private static void runControl(String control, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(control);
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).inheritIO().start();
        assertThat(process.waitFor(150, TimeUnit.SECONDS)).as("%s finished in time", command).isTrue();
        assertThat(process.exitValue()).as("exit status of %s", command).isZero();
    }

    // ---------------------------------------------------------------------------------- helpers

    /** A device id unique to this run and call, such as {@code alice-desktop-3fa9c2-7d1e}. */
    private static String deviceId(String user, String role) {
        return user + "-" + role + "-" + RUN + "-" + randomHex(2);
    }

    private static void assertWelcome(Welcome welcome, String deviceId) {
        assertThat(welcome.deviceId()).as("welcome.deviceId").isEqualTo(deviceId);
        assertThat(welcome.trusted())
                .as("welcome.trusted for %s (paired by the user's first device)", deviceId)
                .isTrue();
    }

    /** Asks {@code devices.list} every 500 ms until {@code deviceId} shows {@code presence}, for up to 20 s. */
    private static void awaitPresence(RccsClient viewer, String deviceId, String presence) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String last = "(no answer)";
        while (true) {
            Frame request = viewer.send("devices.list", null, null);
            Frame answer = viewer.await(corr(request.id()).and(type("devices").or(type("error"))), WAIT);
            assertThat(answer.type()).as("answer to devices.list: %s", answer).isEqualTo("devices");
            Devices devices = RccsClient.payload(answer, Devices.class);
            Optional<Devices.DeviceInfo> device = devices.devices() == null ? Optional.empty()
                    : devices.devices().stream().filter(d -> deviceId.equals(d.id())).findFirst();
            if (device.isPresent() && presence.equals(device.get().presence())) {
                return;
            }
            last = FrameCodec.encode(answer);
            if (System.nanoTime() > deadline) {
                fail("device " + deviceId + " did not show presence '" + presence + "' within " + WAIT
                        + "; last devices answer: " + last);
            }
            sleep(POLL_EVERY);
        }
    }

    /** The token with its signature replaced by random bytes of the same length. */
    private static String forgedSignature(String jwt) {
        String[] parts = jwt.split("\\.");
        assertThat(parts).as("a JWS compact token").hasSize(3);
        byte[] signature = new byte[Math.max(32, Base64.getUrlDecoder().decode(parts[2]).length)];
        RANDOM.nextBytes(signature);
        return parts[0] + "." + parts[1] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
