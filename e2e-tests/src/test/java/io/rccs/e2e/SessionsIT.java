package io.rccs.e2e;

import static io.rccs.client.FrameMatcher.corr;
import static io.rccs.client.FrameMatcher.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.client.RccsClient;
import io.rccs.client.RccsDevice;
import io.rccs.client.RccsErrorException;
import io.rccs.client.SessionListener;
import io.rccs.client.SessionSnapshot;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.payload.HandoffDone;
import io.rccs.model.protocol.payload.HandoffOffer;
import io.rccs.model.protocol.payload.SessionOpen;

/**
 * Work sessions (SPEC 3.5) on the live stack, two gateways: devices patching one session at once
 * converge, a handoff of a 64 KiB session moves ownership and the session's queued command, and a
 * session fails over when its owner's socket drops and it does not come back in time.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SessionsIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final List<String> AGENT = List.of("roo.task@1");

    private final Devices devices = new Devices();
    private final List<RccsClient> clients = new ArrayList<>();

    @AfterEach
    void closeAll() {
        clients.forEach(RccsClient::close);
        devices.close();
    }

    @Test
    @DisplayName("three devices on two gateways make 500 patches to one session at once (conflicts, rebases); a follower drops and comes back; all end with the same document and version, each having seen the versions in order")
    void concurrentPatchesConverge() throws Exception {
        String user = TestUsers.fresh("sessions");
        RccsDevice desk = devices.start(user, Devices.unique("desk"), 0, "desktop", AGENT).device();
        RccsDevice laptop = devices.start(user, Devices.unique("laptop"), 1, "desktop", AGENT).device();
        RccsDevice phone = devices.start(user, Devices.unique("phone"), 1, "mobile", List.of()).device();
        RccsDevice tablet = devices.start(user, Devices.unique("tablet"), 0, "mobile", List.of()).device();
        List<RccsDevice> all = List.of(desk, laptop, phone, tablet);
        List<List<Long>> seen = new ArrayList<>();
        for (RccsDevice device : all) {
            List<Long> versions = new CopyOnWriteArrayList<>();
            seen.add(versions);
            device.sessions().addListener(new SessionListener() {
                @Override
                public void onState(SessionSnapshot session) {
                    versions.add(session.version());
                }
            });
        }
        ObjectNode start = FrameCodec.mapper().createObjectNode().put("counter", 0);
        start.putArray("log");
        String session = desk.sessions().openSession("converge", start).get(30, TimeUnit.SECONDS).session();
        for (RccsDevice follower : List.of(laptop, phone, tablet)) {
            follower.sessions().joinSession(session).get(30, TimeUnit.SECONDS);
        }

        AtomicInteger made = new AtomicInteger();
        List<CompletableFuture<Void>> patchers = new ArrayList<>();
        int[] shares = {167, 167, 166};
        List<RccsDevice> writers = List.of(desk, laptop, phone);
        for (int w = 0; w < writers.size(); w++) {
            RccsDevice writer = writers.get(w);
            int share = shares[w];
            patchers.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < share; i++) {
                    String entry = writer.deviceId() + "-" + i;
                    join(writer.sessions().update(session, document -> {
                        ObjectNode next = document.deepCopy();
                        next.put("counter", next.path("counter").asInt() + 1);
                        ((ArrayNode) next.get("log")).add(entry);
                        return next;
                    }));
                    if (made.incrementAndGet() == 200) {
                        tablet.dropConnection(); // a follower's network drops in the middle
                    }
                }
            }));
        }
        CompletableFuture.allOf(patchers.toArray(CompletableFuture[]::new)).get(3, TimeUnit.MINUTES);

        assertThat(Devices.await(WAIT, () -> all.stream().allMatch(device -> device.sessions().replica(session)
                .map(replica -> replica.version() == 501).orElse(false))))
                .as("every device reaches version 501 (the open and 500 patches)").isTrue();
        JsonNode reference = desk.sessions().replica(session).orElseThrow().document();
        assertThat(reference.path("counter").asInt()).isEqualTo(500);
        assertThat(new HashSet<>(toList(reference.path("log")))).as("every patch once").hasSize(500);
        for (RccsDevice device : all) {
            assertThat(device.sessions().replica(session).orElseThrow().document()).as(device.deviceId()).isEqualTo(reference);
        }
        JsonNode server = desk.sessions().getState(session).get(30, TimeUnit.SECONDS).document();
        assertThat(server).as("the relay's document").isEqualTo(reference);
        for (int d = 0; d < all.size(); d++) {
            List<Long> versions = seen.get(d);
            assertThat(versions).as("versions %s saw", all.get(d).deviceId()).isSortedAccordingTo(Long::compare);
            assertThat(versions.get(versions.size() - 1)).isEqualTo(501);
        }
    }

    @Test
    @DisplayName("a 64 KiB session is handed from a desktop on gateway 0 to one on gateway 1: ownership moves at once, both sides are told, and a queued command of the session then reaches the new owner only; an incapable or untrusted target is refused and of two handoffs one wins")
    void handoffOfA64KiBSession() throws Exception {
        String user = TestUsers.fresh("handoff");
        Devices.Recorded deskRecorded = devices.start(user, Devices.unique("desk"), 0, "desktop", AGENT);
        Devices.Recorded laptopRecorded = devices.start(user, Devices.unique("laptop"), 1, "desktop", AGENT);
        RccsDevice desk = deskRecorded.device();
        RccsDevice laptop = laptopRecorded.device();
        RccsDevice spare = devices.start(user, Devices.unique("spare"), 0, "desktop", AGENT).device();
        Devices.Recorded phoneRecorded = devices.start(user, Devices.unique("phone"), 1, "mobile", List.of("notify"));
        RccsDevice phone = phoneRecorded.device();
        String pendingId = Devices.unique("stranger");
        RccsClient pending = RccsClient.connect(Stack.gateway(0), Devices.token(user), WAIT);
        clients.add(pending);
        Frame hello = pending.sendHello(RccsClient.helloPayload(pendingId, "not paired", "desktop", AGENT, null, null));
        assertThat(pending.await(corr(hello.id()).and(type("welcome")), WAIT).payload().path("trusted").asBoolean()).isFalse();

        List<HandoffOffer> offers = new CopyOnWriteArrayList<>();
        laptop.sessions().addListener(new SessionListener() {
            @Override
            public void onOffer(HandoffOffer offer) {
                offers.add(offer);
                laptop.sessions().acceptHandoff(offer.session());
            }
        });
        String session = desk.sessions().openSession(new SessionOpen("big", null, AGENT, true, null)).get(30, TimeUnit.SECONDS)
                .session();
        for (int part = 0; part < 3; part++) {
            String key = "part" + part;
            String filler = "x".repeat(22_000);
            join(desk.sessions().update(session, document -> ((ObjectNode) document.deepCopy()).put(key, filler)));
        }
        int bytes = desk.sessions().replica(session).orElseThrow().document().toString().length();
        assertThat(bytes).as("the document's size").isGreaterThanOrEqualTo(64 * 1024);

        // queued for the session, due in 6 s: whoever owns the session then gets it
        Frame submit = phone.send("command.submit", null, Map.of("name", "continue", "session", session,
                "notBefore", System.currentTimeMillis() + 6_000));

        assertRefused(desk.sessions().requestHandoff(session, phone.deviceId()), "no_capable_device");
        assertRefused(desk.sessions().requestHandoff(session, pendingId), "not_trusted");

        long started = System.nanoTime();
        CompletableFuture<HandoffDone> toLaptop = desk.sessions().requestHandoff(session, laptop.deviceId());
        CompletableFuture<HandoffDone> toSpare = desk.sessions().requestHandoff(session, spare.deviceId());
        HandoffDone done = toLaptop.get(30, TimeUnit.SECONDS);
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertRefused(toSpare, "conflict");
        assertThat(done.accepted()).isTrue();
        assertThat(done.owner()).isEqualTo(laptop.deviceId());
        assertThat(done.from()).isEqualTo(desk.deviceId());
        assertThat(offers).singleElement().satisfies(offer -> {
            assertThat(offer.document().toString().length()).isEqualTo(bytes);
            assertThat(offer.from()).isEqualTo(desk.deviceId());
        });
        assertThat(Devices.await(WAIT, () -> laptop.sessions().replica(session).map(r -> r.owner().equals(laptop.deviceId()))
                .orElse(false) && phone.sessions().replica(session).isEmpty())).isTrue();
        assertThat(desk.sessions().replica(session).orElseThrow().owner()).isEqualTo(laptop.deviceId());
        System.out.printf("handoff of a %d-byte session took %d ms%n", bytes, tookMs);

        String commandId = commandIdOf(phoneRecorded, submit);
        assertThat(Devices.await(WAIT, () -> commandFrame(laptopRecorded, commandId) != null))
                .as("the session's command reaches the new owner").isTrue();
        assertThat(commandFrame(deskRecorded, commandId)).as("and not the old one").isNull();
    }

    @Test
    @DisplayName("failover: the owner's socket drops without a close; after the grace period the session moves to the other capable desktop and its queued command follows; an owner back within the grace period keeps its session")
    void failover() throws Exception {
        String user = TestUsers.fresh("failover");
        Devices.Recorded laptopRecorded = devices.start(user, Devices.unique("laptop"), 1, "desktop", AGENT);
        RccsDevice laptop = laptopRecorded.device();
        Devices.Recorded phoneRecorded = devices.start(user, Devices.unique("phone"), 1, "mobile", List.of());
        RccsDevice phone = phoneRecorded.device();
        List<HandoffDone> atPhone = new CopyOnWriteArrayList<>();
        phone.sessions().addListener(new SessionListener() {
            @Override
            public void onHandoffDone(HandoffDone done) {
                atPhone.add(done);
            }
        });

        String ownerId = Devices.unique("desk");
        RccsClient owner = trustedClient(user, ownerId, 0);
        String session = openOn(owner, Map.of("requires", AGENT, "failover", true, "graceSec", 3));
        phone.sessions().joinSession(session).get(30, TimeUnit.SECONDS);

        long dropped = System.nanoTime();
        owner.abort();
        Frame submit = phone.send("command.submit", null, Map.of("name", "resume", "session", session));
        assertThat(Devices.await(WAIT, () -> !atPhone.isEmpty())).as("the phone hears of the failover").isTrue();
        long afterMs = (System.nanoTime() - dropped) / 1_000_000;
        HandoffDone moved = atPhone.get(0);
        assertThat(moved.reason()).isEqualTo("failover");
        assertThat(moved.owner()).isEqualTo(laptop.deviceId());
        assertThat(moved.from()).isEqualTo(ownerId);
        assertThat(afterMs).as("not before the 3 s grace period").isGreaterThanOrEqualTo(3_000);
        String commandId = commandIdOf(phoneRecorded, submit);
        assertThat(Devices.await(WAIT, () -> commandFrame(laptopRecorded, commandId) != null))
                .as("the session's queued command follows it").isTrue();

        // an owner whose network drops but who is back at once keeps its session
        RccsDevice desk = devices.start(user, Devices.unique("desk2"), 0, "desktop", AGENT).device();
        String kept = desk.sessions().openSession(new SessionOpen("kept", null, AGENT, true, 5)).get(30, TimeUnit.SECONDS).session();
        phone.sessions().joinSession(kept).get(30, TimeUnit.SECONDS);
        desk.dropConnection();
        // a failover would reach the phone as version 2 after the 5 s grace period: watched for 9 s
        assertThat(Devices.await(Duration.ofSeconds(9), () -> phone.sessions().replica(kept).map(r -> r.version() >= 2).orElse(false)))
                .as("no failover while the owner came back at once").isFalse();
        SessionSnapshot now = phone.sessions().getState(kept).get(30, TimeUnit.SECONDS);
        assertThat(now.owner()).as("kept by the owner that came back").isEqualTo(desk.deviceId());
    }

    @Test
    @Tag("faults")
    @DisplayName("the relay killed with SIGKILL during the grace period and started again still fails the session over")
    void failoverSurvivesARelayRestart() throws Exception {
        Control control = Control.fromEnvironment();
        String user = TestUsers.fresh("failover-restart");
        Devices.Recorded laptopRecorded = devices.start(user, Devices.unique("laptop"), 1, "desktop", AGENT);
        RccsDevice laptop = laptopRecorded.device();
        String ownerId = Devices.unique("desk");
        RccsClient owner = trustedClient(user, ownerId, 0);
        String session = openOn(owner, Map.of("requires", AGENT, "failover", true, "graceSec", 4));
        laptop.sessions().joinSession(session).get(30, TimeUnit.SECONDS);

        owner.abort();
        // the relay handles the close (it tells the laptop, then starts the timer: a row), and dies within the grace period;
        // killed before the timer's row is written, it handles the close again after the restart
        assertThat(Devices.await(WAIT, () -> laptopRecorded.others().stream().anyMatch(frame -> "presence".equals(frame.type())
                && ownerId.equals(frame.payload().path("deviceId").asText()) && "offline".equals(frame.payload().path("presence").asText()))))
                .as("the laptop hears the owner went offline").isTrue();
        control.run("service", "kill", "relay");
        control.run("service", "start", "relay");
        assertThat(Devices.await(Duration.ofSeconds(60), () -> laptop.sessions().replica(session)
                .map(replica -> replica.owner().equals(laptop.deviceId())).orElse(false)))
                .as("the session failed over to the laptop after the relay restart").isTrue();
    }

    // --- helpers

    /** A plain client (no reconnect), said hello as {@code deviceId} and paired by the user's hub. */
    private RccsClient trustedClient(String user, String deviceId, int gateway) {
        RccsClient client = RccsClient.connect(Stack.gateway(gateway), Devices.token(user), WAIT);
        clients.add(client);
        Frame hello = client.sendHello(RccsClient.helloPayload(deviceId, deviceId, "desktop", AGENT, null, null));
        client.await(corr(hello.id()).and(type("welcome")), WAIT);
        devices.pairClient(user, client, deviceId);
        return client;
    }

    private static String openOn(RccsClient client, Map<String, Object> open) {
        Frame sent = client.send("session.open", null, open);
        Frame state = client.await(corr(sent.id()).and(type("state").or(type("error"))), WAIT);
        assertThat(state.type()).as("answer to session.open: %s", state).isEqualTo("state");
        return state.payload().path("session").asText();
    }

    private static String commandIdOf(Devices.Recorded sender, Frame submit) {
        assertThat(Devices.await(WAIT, () -> statusOf(sender, submit) != null)).as("the submit's first status").isTrue();
        return statusOf(sender, submit).payload().path("commandId").asText();
    }

    private static Frame statusOf(Devices.Recorded sender, Frame submit) {
        return sender.others().stream().filter(frame -> "command.status".equals(frame.type()) && submit.id().equals(frame.corr()))
                .findFirst().orElse(null);
    }

    private static Frame commandFrame(Devices.Recorded device, String commandId) {
        return device.others().stream().filter(frame -> "command".equals(frame.type())
                && commandId.equals(frame.payload().path("commandId").asText())).findFirst().orElse(null);
    }

    private static void assertRefused(CompletableFuture<?> answer, String code) {
        assertThatThrownBy(() -> answer.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(RccsErrorException.class)
                .satisfies(e -> assertThat(((RccsErrorException) e).code()).isEqualTo(code));
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("did not complete: " + e, e);
        }
    }

    private static List<String> toList(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }
}
