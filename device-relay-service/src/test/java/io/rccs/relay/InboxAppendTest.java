package io.rccs.relay;

import static io.rccs.relay.KafkaTestSupport.GATEWAY;
import static io.rccs.relay.KafkaTestSupport.QUIET;
import static io.rccs.relay.KafkaTestSupport.clientFrame;
import static io.rccs.relay.KafkaTestSupport.frameFor;
import static io.rccs.relay.KafkaTestSupport.payload;
import static io.rccs.relay.KafkaTestSupport.sendFrame;
import static io.rccs.relay.KafkaTestSupport.sendInboxAppend;
import static io.rccs.relay.KafkaTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.model.events.DeadLetter;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboxAppend;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Ack;
import io.rccs.model.protocol.payload.CommandStatus;
import io.rccs.model.protocol.payload.Hello;
import io.rccs.model.protocol.payload.Welcome;
import io.rccs.relay.routing.InboundConsumer;
import io.rccs.testsupport.KafkaTestKit.Keyed;
import io.rccs.testsupport.KafkaTestKit.Tail;
import io.rccs.testsupport.StoreTestSupport;

/**
 * Server frames a service puts in a device's inbox ({@link InboxAppend}, the command queue's
 * {@code command.status} for the device that submitted): stored, numbered, delivered, replayed and
 * acknowledged like messages, in record order with them; the same (source, key) once; only for a
 * trusted device.
 */
@QuarkusTest
class InboxAppendTest {

    private static final String SOURCE = "command-queue";

    @Inject
    RedisDataSource redis;

    @Inject
    MeterRegistry metrics;

    private final String user = unique("user");
    /** Submits commands and so gets their statuses; sends it messages. */
    private final String phone = unique("phone");
    private final String desk = unique("desk");
    private final String deskConn = unique("conn");
    private final List<String> online = new ArrayList<>();

    @BeforeEach
    void registerBothPhoneOffline() {
        KafkaTestSupport.awaitRelayReady();
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            hello(deliveries, user, phone, unique("conn"), null);
            StoreTestSupport.offline(redis, user, phone);
            online.remove(phone);
            hello(deliveries, user, desk, deskConn, null);
        }
    }

    @AfterEach
    void disconnect() {
        online.forEach(device -> StoreTestSupport.offline(redis, user, device));
    }

    @Test
    void anAppendForAnOnlineDeviceIsDeliveredWithTheNextSeqAfterAMessage() {
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            hello(deliveries, user, phone, unique("conn"), null);
            String messageId = message();
            Frame status = status("c-1", "QUEUED", "submit-1");
            sendInboxAppend(new InboxAppend(user, phone, SOURCE, "c-1.v1", status));

            Frame message = deliveries.await("the message", frameFor(user, phone, FrameType.MESSAGE)
                    .and(d -> messageId.equals(d.frame().id()))).frame();
            Frame delivered = deliveries.await("the command.status", frameFor(user, phone, FrameType.COMMAND_STATUS)).frame();
            assertThat(delivered.seq()).as("numbered right after the message").isEqualTo(message.seq() + 1);
            assertThat(delivered.id()).isEqualTo(status.id());
            assertThat(delivered.corr()).as("still answers the submit").isEqualTo("submit-1");
            assertThat(delivered.from()).isNull();
            assertThat(payload(delivered, CommandStatus.class).status()).isEqualTo("QUEUED");
            assertThat(StoreTestSupport.rows("SELECT sender_device, frame_id FROM relay.inbox_entry WHERE user_id = ? AND device_id = ?"
                    + " AND seq = ?", user, phone, delivered.seq()))
                    .containsExactly(Map.of("sender_device", "@" + SOURCE, "frame_id", "c-1.v1"));
        }
    }

    @Test
    void appendsForAnOfflineDeviceAreReplayedOnHelloInOrderWithMessagesAndAResentKeyIsStoredOnce() {
        String first = message();
        sendInboxAppend(new InboxAppend(user, phone, SOURCE, "c-2.v1", status("c-2", "QUEUED", "submit-2")));
        String second = message();
        sendInboxAppend(new InboxAppend(user, phone, SOURCE, "c-2.v2", status("c-2", "DISPATCHED", null)));
        // published again (at least once): the same source and key, even with a fresh frame id, is the same entry
        sendInboxAppend(new InboxAppend(user, phone, SOURCE, "c-2.v1", status("c-2", "QUEUED", "submit-2")));
        String third = message();

        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            String connection = unique("conn");
            hello(deliveries, user, phone, connection, null);
            Predicate<Delivery> replayed = d -> user.equals(d.userId()) && phone.equals(d.deviceId())
                    && connection.equals(d.connectionId()) && d.frame() != null && d.frame().seq() != null;
            List<Frame> got = deliveries.awaitCount("the replay", replayed, 5).stream().map(Delivery::frame).toList();
            assertThat(got).extracting(Frame::type).containsExactly("message", "command.status", "message",
                    "command.status", "message");
            assertThat(got).extracting(frame -> frame.is(FrameType.MESSAGE) ? frame.id()
                    : payload(frame, CommandStatus.class).status())
                    .containsExactly(first, "QUEUED", second, "DISPATCHED", third);
            assertThat(got.get(4).seq() - got.get(0).seq()).as("consecutive seqs").isEqualTo(4);
            assertThat(got).extracting(Frame::seq).isSorted().doesNotHaveDuplicates();
            deliveries.assertNone("a second copy of the resent status", replayed.and(d -> d.frame().seq() > got.get(4).seq()),
                    QUIET);
        }
        assertThat(StoreTestSupport.count("SELECT count(*) FROM relay.inbox_entry WHERE user_id = ? AND device_id = ?"
                + " AND sender_device = ?", user, phone, "@" + SOURCE)).isEqualTo(2);
    }

    @Test
    void anAckCoversAppendedFramesAndAPlainHelloThenReplaysNothing() {
        String connection = unique("conn");
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            hello(deliveries, user, phone, connection, null);
            sendInboxAppend(new InboxAppend(user, phone, SOURCE, "c-3.v1", status("c-3", "QUEUED", "submit-3")));
            sendInboxAppend(new InboxAppend(user, phone, SOURCE, "c-3.v2", status("c-3", "DISPATCHED", null)));
            List<Delivery> both = deliveries.awaitCount("both statuses", frameFor(user, phone, FrameType.COMMAND_STATUS), 2);
            long upTo = both.get(1).frame().seq();

            sendFrame(user, phone, connection, clientFrame(unique("ack"), FrameType.ACK, null, new Ack(upTo)));
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> StoreTestSupport.count(
                    "SELECT acked_seq FROM relay.inbox_cursor WHERE user_id = ? AND device_id = ?", user, phone) == upTo);
            String plain = unique("conn");
            hello(deliveries, user, phone, plain, null);
            deliveries.assertNone("a status after everything was acknowledged",
                    frameFor(user, phone, FrameType.COMMAND_STATUS).and(d -> plain.equals(d.connectionId())), QUIET);
        }
    }

    @Test
    void aPendingOrUnknownDeviceGetsNothingAndThatIsNoDeadLetter() {
        // a user of its own, whose pending device is in the registry before the relay first reads the user's devices
        String other = unique("user");
        String pending = unique("pending");
        String trusted = unique("desk");
        StoreTestSupport.update("INSERT INTO relay.device (user_id, device_id, name, kind, trusted) VALUES (?, ?, ?, 'mobile', false)",
                other, pending, "name of " + pending);
        double pendingBefore = dropped("pending");
        double unknownBefore = dropped("unknown");
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY);
                Tail<Keyed> deadLetters = KafkaTestSupport.events(Topics.DEAD_LETTERS)) {
            hello(deliveries, other, trusted, unique("conn"), null);
            StoreTestSupport.online(redis, other, pending, unique("conn"), GATEWAY);
            online.add(pending);

            sendInboxAppend(new InboxAppend(other, pending, SOURCE, "c-4.v1", status("c-4", "QUEUED", null)));
            sendInboxAppend(new InboxAppend(other, unique("never-seen"), SOURCE, "c-5.v1", status("c-5", "QUEUED", null)));
            // after them on the same partition: once it is delivered, the two before it were handled
            sendInboxAppend(new InboxAppend(other, trusted, SOURCE, "c-6.v1", status("c-6", "QUEUED", null)));

            deliveries.await("the status for the trusted device", frameFor(other, trusted, FrameType.COMMAND_STATUS));
            deliveries.assertNone("anything for the pending device", d -> other.equals(d.userId()) && pending.equals(d.deviceId()),
                    Duration.ofMillis(500));
            assertThat(StoreTestSupport.count("SELECT count(*) FROM relay.inbox_entry WHERE user_id = ? AND device_id <> ?",
                    other, trusted)).isZero();
            assertThat(dropped("pending")).isEqualTo(pendingBefore + 1);
            assertThat(dropped("unknown")).isEqualTo(unknownBefore + 1);
            deadLetters.assertNone("a dead letter of the dropped appends", event -> other.equals(event.key()), QUIET);
        } finally {
            StoreTestSupport.offline(redis, other, trusted);
        }
    }

    @Test
    void anAppendThatIsNotValidIsDeadLetteredAndTheNextOneStillArrives() {
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY);
                Tail<Keyed> deadLetters = KafkaTestSupport.events(Topics.DEAD_LETTERS)) {
            hello(deliveries, user, phone, unique("conn"), null);
            sendInboxAppend(user, Map.of("userId", user, "deviceId", phone, "source", SOURCE)); // no key, no frame
            sendInboxAppend(user, Map.of("userId", user, "deviceId", phone, "source", SOURCE, "key", "k", "frame", "not a frame"));
            // a client frame has no place in a device's inbox
            sendInboxAppend(new InboxAppend(user, phone, SOURCE, "c-7.v1", clientFrame("x", FrameType.HELLO, null, null)));
            sendInboxAppend(new InboxAppend(user, phone, SOURCE, "c-8.v1", status("c-8", "QUEUED", null)));

            deliveries.await("the valid status after the invalid ones", frameFor(user, phone, FrameType.COMMAND_STATUS));
            List<DeadLetter> letters = deadLetters.awaitCount("dead letters of the invalid appends",
                    event -> user.equals(event.key()) && EventTypes.DEAD_LETTER.equals(event.event().type()), 3)
                    .stream().map(event -> event.data(DeadLetter.class)).toList();
            assertThat(letters).hasSize(3).allSatisfy(letter -> {
                assertThat(letter.consumer()).isEqualTo(InboundConsumer.CONSUMER);
                assertThat(letter.topic()).isEqualTo(Topics.FRAMES_IN);
                assertThat(letter.reason()).isEqualTo(DeadLetter.REJECTED);
                assertThat(letter.value()).contains(EventTypes.INBOX_APPEND);
            });
            assertThat(StoreTestSupport.count("SELECT count(*) FROM relay.inbox_entry WHERE user_id = ? AND device_id = ?",
                    user, phone)).isEqualTo(1);
        }
    }

    private double dropped(String device) {
        var counter = metrics.find("rccs_inbox_appends_dropped_total").tag("device", device).counter();
        return counter == null ? 0 : counter.count();
    }

    /** A message from the desk to the phone; returns its id. */
    private String message() {
        String id = unique("m");
        sendFrame(user, desk, deskConn, clientFrame(id, FrameType.MESSAGE, phone, Map.of("text", id)));
        return id;
    }

    private static Frame status(String commandId, String status, String corr) {
        return Frame.server(unique("s"), FrameType.COMMAND_STATUS, corr,
                FrameCodec.toPayload(CommandStatus.of(commandId, status, "desk", 0)));
    }

    private Welcome hello(Tail<Delivery> deliveries, String userId, String device, String connection, Long lastSeq) {
        StoreTestSupport.online(redis, userId, device, connection, GATEWAY);
        if (userId.equals(user)) {
            online.add(device);
        }
        String helloId = unique("hello");
        sendFrame(userId, device, connection, clientFrame(helloId, FrameType.HELLO, null, new Hello(device, "name of " + device,
                "desktop", "linux", "1.0.0", List.of(), lastSeq == null ? null : new Hello.Resume(lastSeq))));
        return payload(deliveries.await("welcome of " + device,
                frameFor(userId, device, FrameType.WELCOME).and(d -> helloId.equals(d.frame().corr()))).frame(), Welcome.class);
    }
}
