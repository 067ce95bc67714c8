package io.rccs.relay.session;

import static io.rccs.relay.KafkaTestSupport.GATEWAY;
import static io.rccs.relay.KafkaTestSupport.QUIET;
import static io.rccs.relay.KafkaTestSupport.clientFrame;
import static io.rccs.relay.KafkaTestSupport.frameFor;
import static io.rccs.relay.KafkaTestSupport.hello;
import static io.rccs.relay.KafkaTestSupport.payload;
import static io.rccs.relay.KafkaTestSupport.sendFrame;
import static io.rccs.relay.KafkaTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.ConnectionClosed;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.SessionEvent;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.ErrorPayload;
import io.rccs.model.protocol.payload.HandoffAnswer;
import io.rccs.model.protocol.payload.HandoffDone;
import io.rccs.model.protocol.payload.HandoffOffer;
import io.rccs.model.protocol.payload.HandoffRequest;
import io.rccs.model.protocol.payload.SessionOpen;
import io.rccs.model.protocol.payload.SessionRef;
import io.rccs.model.protocol.payload.Sessions;
import io.rccs.model.protocol.payload.SessionsQuery;
import io.rccs.model.protocol.payload.State;
import io.rccs.model.protocol.payload.StateGet;
import io.rccs.model.protocol.payload.StatePatch;
import io.rccs.relay.KafkaTestSupport;
import io.rccs.testsupport.KafkaTestKit;
import io.rccs.testsupport.KafkaTestKit.Keyed;
import io.rccs.testsupport.KafkaTestKit.Tail;
import io.rccs.testsupport.StoreTestSupport;

/** Work sessions on the relay (SPEC 3.5): open, follow, patch with conflicts, handoff, failover, events. */
@QuarkusTest
class SessionsTest {

    @Inject
    RedisDataSource redis;

    private final List<Device> online = new ArrayList<>();
    private Tail<Delivery> deliveries;
    private Tail<Keyed> events;
    private String user;

    /** A test device: its connection is in presence (gateway = this test's partition) once connected. */
    private record Device(String user, String id, String connection) {
    }

    @BeforeEach
    void start() {
        KafkaTestSupport.awaitRelayReady();
        deliveries = KafkaTestSupport.deliveries(GATEWAY);
        events = KafkaTestKit.events(Topics.SESSION_EVENTS);
        user = unique("user");
    }

    @AfterEach
    void stop() {
        online.forEach(device -> StoreTestSupport.offline(redis, device.user(), device.id()));
        deliveries.close();
        events.close();
    }

    @Test
    void openAnswersTheDocumentAtVersionOneAndAResentOpenGivesTheSameSession() {
        Device desk = connect("desk", "desktop", "roo.task@1");
        String openId = unique("open");
        State opened = open(desk, openId, new SessionOpen("refactor", doc("{\"step\":1}"), List.of("roo.task@1"), null, null));
        assertThat(opened.version()).isEqualTo(1);
        assertThat(opened.owner()).isEqualTo(desk.id());
        assertThat(opened.status()).isEqualTo("open");
        assertThat(opened.document()).isEqualTo(doc("{\"step\":1}"));

        State again = open(desk, openId, new SessionOpen("refactor", doc("{\"step\":1}"), List.of("roo.task@1"), null, null));
        assertThat(again.session()).as("a resent open").isEqualTo(opened.session());

        SessionEvent event = events.await("opened event", KafkaTestKit.eventOf(opened.session(), EventTypes.SESSION_OPENED))
                .data(SessionEvent.class);
        assertThat(event.userId()).isEqualTo(user);
        assertThat(event.owner()).isEqualTo(desk.id());
        assertThat(event.version()).isEqualTo(1);
        assertThat(event.requires()).containsExactly("roo.task@1");

        Sessions listed = ask(desk, FrameType.SESSION_LIST, new SessionsQuery(null), FrameType.SESSIONS, Sessions.class);
        assertThat(listed.sessions()).singleElement().satisfies(info -> {
            assertThat(info.session()).isEqualTo(opened.session());
            assertThat(info.name()).isEqualTo("refactor");
            assertThat(info.members()).containsExactly(desk.id());
        });
    }

    @Test
    void everyFollowerGetsEachVersionInOrderAndAStalePatchIsAConflict() {
        Device desk = connect("desk", "desktop");
        Device phone = connect("phone", "mobile");
        State opened = open(desk, unique("open"), new SessionOpen(null, doc("{\"items\":[]}"), null, null, null));
        String session = opened.session();
        State joined = ask(phone, FrameType.SESSION_JOIN, new SessionRef(session), FrameType.STATE, State.class);
        assertThat(joined.version()).isEqualTo(1);
        assertThat(joined.document()).isEqualTo(doc("{\"items\":[]}"));

        String patchId = unique("patch");
        send(desk, patchId, FrameType.STATE_PATCH, new StatePatch(session, 1L, ops("[{\"op\":\"add\",\"path\":\"/items/-\",\"value\":\"a\"}]")));
        State atDesk = payload(awaitFrame(desk, FrameType.STATE, d -> patchId.equals(d.frame().corr())).frame(), State.class);
        State atPhone = payload(awaitFrame(phone, FrameType.STATE, d -> d.frame().payload().path("version").asLong() == 2).frame(), State.class);
        assertThat(atDesk.version()).isEqualTo(2);
        assertThat(atPhone.ops()).isEqualTo(atDesk.ops());
        assertThat(awaitFrame(phone, FrameType.STATE, d -> d.frame().payload().path("version").asLong() == 2).frame().seq())
                .as("an inbox frame: it has a seq").isNotNull();

        // the phone patches the version it had: refused, with the current version to rebase on
        ErrorPayload conflict = askError(phone, FrameType.STATE_PATCH,
                new StatePatch(session, 1L, ops("[{\"op\":\"add\",\"path\":\"/items/-\",\"value\":\"b\"}]")));
        assertThat(conflict.code()).isEqualTo("conflict");
        assertThat(conflict.details().path("version").asLong()).isEqualTo(2);

        // the desk resends its patch (same frame id): answered with version 2 again, not applied twice
        send(desk, patchId, FrameType.STATE_PATCH, new StatePatch(session, 1L, ops("[{\"op\":\"add\",\"path\":\"/items/-\",\"value\":\"a\"}]")));
        deliveries.awaitCount("two answers to the resent patch", frameFor(user, desk.id(), FrameType.STATE)
                .and(d -> patchId.equals(d.frame().corr())), 2)
                .forEach(answer -> assertThat(answer.frame().payload().path("version").asLong()).isEqualTo(2));

        send(phone, unique("patch"), FrameType.STATE_PATCH, new StatePatch(session, 2L, ops("[{\"op\":\"add\",\"path\":\"/items/-\",\"value\":\"b\"}]")));
        awaitFrame(desk, FrameType.STATE, d -> d.frame().payload().path("version").asLong() == 3);
        State now = ask(desk, FrameType.STATE_GET, new StateGet(session), FrameType.STATE, State.class);
        assertThat(now.version()).isEqualTo(3);
        assertThat(now.document()).isEqualTo(doc("{\"items\":[\"a\",\"b\"]}"));

        List<Long> changed = new ArrayList<>();
        events.awaitCount("state-changed events", KafkaTestKit.eventOf(session, EventTypes.SESSION_STATE_CHANGED), 2)
                .forEach(keyed -> changed.add(keyed.data(SessionEvent.class).version()));
        assertThat(changed).containsExactly(2L, 3L);
    }

    @Test
    void badPatchesAreRefusedClearlyAndChangeNothing() {
        Device desk = connect("desk", "desktop");
        Device phone = connect("phone", "mobile");
        String session = open(desk, unique("open"), new SessionOpen(null, doc("{\"a\":1}"), null, null, null)).session();

        assertThat(askError(desk, FrameType.STATE_PATCH, new StatePatch(session, 1L, ops("[{\"op\":\"remove\",\"path\":\"/missing\"}]"))).code())
                .as("a patch that does not apply").isEqualTo("bad_frame");
        assertThat(askError(desk, FrameType.STATE_PATCH, new StatePatch(session, 1L, ops("[{\"op\":\"jump\",\"path\":\"/a\"}]"))).code())
                .as("not a JSON Patch").isEqualTo("bad_frame");
        assertThat(askError(phone, FrameType.STATE_PATCH, new StatePatch(session, 1L, ops("[{\"op\":\"replace\",\"path\":\"/a\",\"value\":2}]"))).code())
                .as("a device that does not follow the session").isEqualTo("forbidden");
        String big = "x".repeat(60_000);
        for (int i = 0; i < 4; i++) {
            send(desk, unique("grow"), FrameType.STATE_PATCH, new StatePatch(session, 1L + i,
                    ops("[{\"op\":\"add\",\"path\":\"/k" + i + "\",\"value\":\"" + big + "\"}]")));
        }
        ErrorPayload tooLarge = askError(desk, FrameType.STATE_PATCH, new StatePatch(session, 5L,
                ops("[{\"op\":\"add\",\"path\":\"/k5\",\"value\":\"" + big + "\"}]")));
        assertThat(tooLarge.code()).as("past 256 KiB").isEqualTo("too_large");
        assertThat(askError(desk, FrameType.STATE_GET, new StateGet("no-such-session")).code()).isEqualTo("not_found");
        State now = ask(desk, FrameType.STATE_GET, new StateGet(session), FrameType.STATE, State.class);
        assertThat(now.version()).as("four 60 KB values fit, the fifth would not").isEqualTo(5);
    }

    @Test
    void aPatchThatWouldBlowTheDocumentUpOrNestItTooDeepIsRefusedOnTheWay() {
        Device desk = connect("desk", "desktop");
        String session = open(desk, unique("open"), new SessionOpen(null, doc("{\"a\":\"" + "x".repeat(1000) + "\"}"), null, null, null))
                .session();
        StringBuilder copies = new StringBuilder("[");
        for (int i = 0; i < 40; i++) {
            copies.append(i == 0 ? "" : ",").append("{\"op\":\"copy\",\"from\":\"\",\"path\":\"/c").append(i).append("\"}");
        }
        assertThat(askError(desk, FrameType.STATE_PATCH, new StatePatch(session, 1L, ops(copies.append("]").toString()))).code())
                .as("forty copies of the document into itself").isEqualTo("too_large");
        String deep = "{\"d\":".repeat(50) + "1" + "}".repeat(50);
        assertThat(askError(desk, FrameType.STATE_PATCH, new StatePatch(session, 1L,
                ops("[{\"op\":\"add\",\"path\":\"/deep\",\"value\":" + deep + "}]"))).code())
                .as("a value nested 50 levels").isEqualTo("bad_frame");
        assertThat(ask(desk, FrameType.STATE_GET, new StateGet(session), FrameType.STATE, State.class).version()).isEqualTo(1);
    }

    @Test
    void aResentAcceptIsAnsweredFromTheLogAndARevokedOwnersSessionMovesAtOnce() {
        Device desk = connect("desk", "desktop");
        Device laptop = connect("laptop", "desktop");
        Device phone = connect("phone", "mobile");
        String session = open(desk, unique("open"), new SessionOpen(null, null, null, false, 600)).session();
        send(desk, unique("handoff"), FrameType.HANDOFF_REQUEST, new HandoffRequest(session, laptop.id()));
        awaitFrame(laptop, FrameType.HANDOFF_OFFER, d -> true);
        String acceptId = unique("accept");
        send(laptop, acceptId, FrameType.HANDOFF_ACCEPT, new HandoffAnswer(session));
        send(laptop, acceptId, FrameType.HANDOFF_ACCEPT, new HandoffAnswer(session));
        List<Delivery> answers = deliveries.awaitCount("two answers to the accept", frameFor(user, laptop.id(), FrameType.HANDOFF_DONE)
                .and(d -> acceptId.equals(d.frame().corr())), 2);
        answers.forEach(answer -> {
            HandoffDone done = payload(answer.frame(), HandoffDone.class);
            assertThat(done.version()).isEqualTo(2);
            assertThat(done.from()).isEqualTo(desk.id());
            assertThat(done.owner()).isEqualTo(laptop.id());
        });

        // the laptop (now the owner, no failover, a 10-minute grace) is revoked: its session moves to the desk now
        send(desk, unique("revoke"), FrameType.DEVICE_REVOKE, new io.rccs.model.protocol.payload.DeviceRevoke(laptop.id()));
        HandoffDone moved = payload(awaitFrame(desk, FrameType.HANDOFF_DONE, d -> d.frame().payload().path("version").asLong() == 3)
                .frame(), HandoffDone.class);
        assertThat(moved.owner()).isEqualTo(desk.id());
        assertThat(moved.reason()).as("the desktop, not the phone that is online too").isEqualTo("failover");
        deliveries.assertNone("one move only", frameFor(user, phone.id(), FrameType.HANDOFF_DONE)
                .and(d -> d.frame().payload().path("version").asLong() > 3), QUIET);
    }

    @Test
    void handoffMovesOwnershipAtTheNextVersionAndTellsEveryFollower() {
        Device desk = connect("desk", "desktop", "roo.task@1");
        Device laptop = connect("laptop", "desktop", "roo.task@1");
        Device phone = connect("phone", "mobile", "notify");
        String session = open(desk, unique("open"), new SessionOpen("task", doc("{\"n\":1}"), List.of("roo.task@1"), null, null)).session();
        ask(phone, FrameType.SESSION_JOIN, new SessionRef(session), FrameType.STATE, State.class);

        assertThat(askError(desk, FrameType.HANDOFF_REQUEST, new HandoffRequest(session, phone.id())).code())
                .as("the phone lacks roo.task@1").isEqualTo("no_capable_device");
        assertThat(askError(laptop, FrameType.HANDOFF_REQUEST, new HandoffRequest(session, phone.id())).code())
                .as("only the owner hands off").isEqualTo("forbidden");

        send(desk, unique("handoff"), FrameType.HANDOFF_REQUEST, new HandoffRequest(session, laptop.id()));
        HandoffOffer offer = payload(awaitFrame(laptop, FrameType.HANDOFF_OFFER, d -> true).frame(), HandoffOffer.class);
        assertThat(offer.from()).isEqualTo(desk.id());
        assertThat(offer.version()).isEqualTo(1);
        assertThat(offer.document()).isEqualTo(doc("{\"n\":1}"));
        assertThat(askError(desk, FrameType.HANDOFF_REQUEST, new HandoffRequest(session, phone.id())).code())
                .as("a second handoff while one is pending").isEqualTo("conflict");

        String acceptId = unique("accept");
        send(laptop, acceptId, FrameType.HANDOFF_ACCEPT, new HandoffAnswer(session));
        for (Device follower : List.of(desk, laptop, phone)) {
            HandoffDone done = payload(awaitFrame(follower, FrameType.HANDOFF_DONE, d -> true).frame(), HandoffDone.class);
            assertThat(done.accepted()).isTrue();
            assertThat(done.owner()).isEqualTo(laptop.id());
            assertThat(done.from()).isEqualTo(desk.id());
            assertThat(done.version()).isEqualTo(2);
            assertThat(done.reason()).isEqualTo("handoff");
        }
        SessionEvent handedOff = events.await("handed-off event", KafkaTestKit.eventOf(session, EventTypes.SESSION_HANDED_OFF))
                .data(SessionEvent.class);
        assertThat(handedOff.owner()).isEqualTo(laptop.id());
        assertThat(handedOff.previousOwner()).isEqualTo(desk.id());
        assertThat(askError(desk, FrameType.SESSION_CLOSE, new SessionRef(session)).code())
                .as("the desk is no longer the owner").isEqualTo("forbidden");
    }

    @Test
    void aRejectedOrUnansweredOfferLeavesTheOwnerAndSaysWhy() {
        Device desk = connect("desk", "desktop");
        Device laptop = connect("laptop", "desktop");
        String session = open(desk, unique("open"), new SessionOpen(null, null, null, null, null)).session();

        send(desk, unique("handoff"), FrameType.HANDOFF_REQUEST, new HandoffRequest(session, laptop.id()));
        awaitFrame(laptop, FrameType.HANDOFF_OFFER, d -> true);
        send(laptop, unique("reject"), FrameType.HANDOFF_REJECT, new HandoffAnswer(session));
        HandoffDone rejected = payload(awaitFrame(desk, FrameType.HANDOFF_DONE, d -> true).frame(), HandoffDone.class);
        assertThat(rejected.accepted()).isFalse();
        assertThat(rejected.reason()).isEqualTo("rejected");
        assertThat(rejected.owner()).isEqualTo(desk.id());

        // offered again, and nobody answers within the handoff timeout (2 s in tests)
        send(desk, unique("handoff"), FrameType.HANDOFF_REQUEST, new HandoffRequest(session, laptop.id()));
        HandoffDone lapsed = payload(awaitFrame(desk, FrameType.HANDOFF_DONE,
                d -> "timeout".equals(d.frame().payload().path("reason").asText())).frame(), HandoffDone.class);
        assertThat(lapsed.accepted()).isFalse();
        State now = ask(desk, FrameType.STATE_GET, new StateGet(session), FrameType.STATE, State.class);
        assertThat(now.owner()).isEqualTo(desk.id());
        assertThat(now.version()).as("no move, no new version").isEqualTo(1);
        assertThat(askError(laptop, FrameType.HANDOFF_ACCEPT, new HandoffAnswer(session)).code())
                .as("nothing is offered any more").isEqualTo("not_found");
    }

    @Test
    void anOwnerGoneForTheGracePeriodFailsOverToTheOtherCapableDesktop() {
        Device desk = connect("desk", "desktop", "roo.task@1");
        Device laptop = connect("laptop", "desktop", "roo.task@1");
        Device phone = connect("phone", "mobile");
        String session = open(desk, unique("open"), new SessionOpen(null, doc("{\"n\":1}"), List.of("roo.task@1"), true, 1)).session();
        ask(phone, FrameType.SESSION_JOIN, new SessionRef(session), FrameType.STATE, State.class);

        long gone = disconnect(desk);
        Delivery moved = awaitFrame(phone, FrameType.HANDOFF_DONE, d -> true);
        assertThat(System.currentTimeMillis() - gone).as("not before the grace period").isGreaterThanOrEqualTo(1000);
        HandoffDone done = payload(moved.frame(), HandoffDone.class);
        assertThat(done.reason()).isEqualTo("failover");
        assertThat(done.owner()).isEqualTo(laptop.id());
        assertThat(done.version()).isEqualTo(2);
        // the laptop did not follow the session: it gets the document, then the move
        State document = payload(awaitFrame(laptop, FrameType.STATE, d -> true).frame(), State.class);
        assertThat(document.document()).isEqualTo(doc("{\"n\":1}"));
        awaitFrame(laptop, FrameType.HANDOFF_DONE, d -> true);
        SessionEvent failedOver = events.await("failed-over event", KafkaTestKit.eventOf(session, EventTypes.SESSION_FAILED_OVER))
                .data(SessionEvent.class);
        assertThat(failedOver.owner()).isEqualTo(laptop.id());
        assertThat(failedOver.previousOwner()).isEqualTo(desk.id());
    }

    @Test
    void anOwnerBackWithinTheGracePeriodKeepsItsSession() {
        Device desk = connect("desk", "desktop");
        Device laptop = connect("laptop", "desktop");
        String session = open(desk, unique("open"), new SessionOpen(null, null, null, true, 3)).session();
        ask(laptop, FrameType.SESSION_JOIN, new SessionRef(session), FrameType.STATE, State.class);

        disconnect(desk);
        Device back = reconnect(desk, "desktop");
        deliveries.assertNone("no failover", frameFor(user, laptop.id(), FrameType.HANDOFF_DONE), java.time.Duration.ofSeconds(5));
        assertThat(ask(back, FrameType.STATE_GET, new StateGet(session), FrameType.STATE, State.class).owner()).isEqualTo(desk.id());
    }

    @Test
    void withNoCapableDeviceOnlineTheSessionWaitsAndFailsOverWhenOneConnects() {
        Device desk = connect("desk", "desktop", "roo.task@1");
        Device phone = connect("phone", "mobile");
        String session = open(desk, unique("open"), new SessionOpen(null, null, List.of("roo.task@1"), true, 1)).session();
        ask(phone, FrameType.SESSION_JOIN, new SessionRef(session), FrameType.STATE, State.class);

        disconnect(desk);
        deliveries.assertNone("nobody capable: no move", frameFor(user, phone.id(), FrameType.HANDOFF_DONE), QUIET);
        Device laptop = connect("laptop", "desktop", "roo.task@1");
        HandoffDone done = payload(awaitFrame(phone, FrameType.HANDOFF_DONE, d -> true).frame(), HandoffDone.class);
        assertThat(done.owner()).isEqualTo(laptop.id());
        assertThat(done.reason()).isEqualTo("failover");
    }

    @Test
    void closeEndsTheSessionForEveryFollower() {
        Device desk = connect("desk", "desktop");
        Device phone = connect("phone", "mobile");
        String session = open(desk, unique("open"), new SessionOpen(null, null, null, null, null)).session();
        ask(phone, FrameType.SESSION_JOIN, new SessionRef(session), FrameType.STATE, State.class);
        assertThat(askError(phone, FrameType.SESSION_CLOSE, new SessionRef(session)).code()).isEqualTo("forbidden");

        send(desk, unique("close"), FrameType.SESSION_CLOSE, new SessionRef(session));
        State closed = payload(awaitFrame(phone, FrameType.STATE, d -> "closed".equals(d.frame().payload().path("status").asText()))
                .frame(), State.class);
        assertThat(closed.version()).isEqualTo(2);
        events.await("closed event", KafkaTestKit.eventOf(session, EventTypes.SESSION_CLOSED));
        assertThat(askError(phone, FrameType.STATE_PATCH, new StatePatch(session, 2L, ops("[{\"op\":\"add\",\"path\":\"/a\",\"value\":1}]"))).code())
                .isEqualTo("conflict");
        assertThat(ask(desk, FrameType.SESSION_LIST, new SessionsQuery(null), FrameType.SESSIONS, Sessions.class).sessions())
                .as("open ones only").isEmpty();
        assertThat(ask(desk, FrameType.SESSION_LIST, new SessionsQuery(true), FrameType.SESSIONS, Sessions.class).sessions())
                .hasSize(1);
    }

    // --- helpers

    private Device connect(String name, String kind, String... capabilities) {
        return greet(new Device(user, unique(name), unique("conn")), kind, capabilities);
    }

    /** The same device on a new connection. */
    private Device reconnect(Device device, String kind, String... capabilities) {
        return greet(new Device(user, device.id(), unique("conn")), kind, capabilities);
    }

    private Device greet(Device device, String kind, String... capabilities) {
        String id = device.id();
        StoreTestSupport.online(redis, user, id, device.connection(), GATEWAY);
        online.add(device);
        String helloId = unique("hello");
        sendFrame(user, id, device.connection(), hello(helloId, id, kind, capabilities));
        deliveries.await("welcome of " + id, frameFor(user, id, FrameType.WELCOME).and(d -> helloId.equals(d.frame().corr())));
        return device;
    }

    /** The device's connection drops: presence goes, and the gateway says so. Returns when (epoch ms). */
    private long disconnect(Device device) {
        StoreTestSupport.offline(redis, device.user(), device.id());
        long at = System.currentTimeMillis();
        KafkaTestKit.send(Topics.FRAMES_IN, device.user(), CloudEvent.of(EventTypes.CONNECTION_CLOSED, "/test", device.user(),
                new ConnectionClosed(device.user(), device.id(), device.connection(), GATEWAY, 1006)).toJson());
        return at;
    }

    private State open(Device device, String id, SessionOpen open) {
        send(device, id, FrameType.SESSION_OPEN, open);
        return payload(awaitFrame(device, FrameType.STATE, d -> id.equals(d.frame().corr())).frame(), State.class);
    }

    private void send(Device device, String id, FrameType type, Object payload) {
        sendFrame(device.user(), device.id(), device.connection(), clientFrame(id, type, null, payload));
    }

    private <T> T ask(Device device, FrameType type, Object payload, FrameType answer, Class<T> answerType) {
        String id = unique("ask");
        send(device, id, type, payload);
        return payload(awaitFrame(device, answer, d -> id.equals(d.frame().corr())).frame(), answerType);
    }

    private ErrorPayload askError(Device device, FrameType type, Object payload) {
        return ask(device, type, payload, FrameType.ERROR, ErrorPayload.class);
    }

    private Delivery awaitFrame(Device device, FrameType type, Predicate<Delivery> which) {
        return deliveries.await(type.wire() + " at " + device.id(), frameFor(user, device.id(), type).and(which));
    }

    private static JsonNode doc(String json) {
        return ops(json);
    }

    private static JsonNode ops(String json) {
        try {
            return FrameCodec.mapper().readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }
}
