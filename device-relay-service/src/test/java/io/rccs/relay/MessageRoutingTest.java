package io.rccs.relay;

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
import java.util.Map;
import java.util.function.Predicate;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.rccs.testsupport.StoreTestSupport;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.model.events.Delivery;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.ErrorPayload;
import io.rccs.model.protocol.payload.Presence;
import io.rccs.testsupport.KafkaTestKit.Tail;

/** message frames reach the user's own devices only: one target, all others, or a clear error. */
@QuarkusTest
class MessageRoutingTest {

    @Inject
    RedisDataSource redis;

    private final String user = unique("user");
    private final String laptop = unique("laptop");
    private final String phone = unique("phone");
    private final String tablet = unique("tablet");
    private final String laptopConn = unique("conn");
    private final String phoneConn = unique("conn");
    private final String otherUser = unique("other");
    private final String otherDevice = unique("foreign");
    private final List<String[]> present = new ArrayList<>();

    @BeforeEach
    void connectDevices() {
        KafkaTestSupport.awaitRelayReady();
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            connect(deliveries, user, laptop, laptopConn, "desktop");
            connect(deliveries, user, phone, phoneConn, "mobile");
            connect(deliveries, user, tablet, unique("conn"), "mobile");
            connect(deliveries, otherUser, otherDevice, unique("conn"), "desktop");
        }
        // the tablet is registered but has gone away: its presence entry is gone
        StoreTestSupport.offline(redis, user, tablet);
    }

    @AfterEach
    void disconnect() {
        present.forEach(entry -> StoreTestSupport.offline(redis, entry[0], entry[1]));
    }

    private void connect(Tail<Delivery> deliveries, String userId, String deviceId, String connectionId, String kind) {
        StoreTestSupport.online(redis, userId, deviceId, connectionId, GATEWAY);
        present.add(new String[] { userId, deviceId });
        String helloId = unique("hello");
        sendFrame(userId, deviceId, connectionId, hello(helloId, deviceId, kind));
        deliveries.await("welcome of " + deviceId,
                frameFor(userId, deviceId, FrameType.WELCOME).and(d -> helloId.equals(d.frame().corr())));
    }

    @Test
    void aSecondDeviceComingOnlineIsAnnouncedToTheFirst() {
        String late = unique("late");
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            connect(deliveries, user, late, unique("conn"), "web");

            Delivery toLaptop = deliveries.await("presence on the laptop",
                    frameFor(user, laptop, FrameType.PRESENCE).and(d -> late.equals(payload(d.frame(), Presence.class).deviceId())));
            assertThat(payload(toLaptop.frame(), Presence.class).presence()).isEqualTo("online");
            deliveries.await("presence on the phone",
                    frameFor(user, phone, FrameType.PRESENCE).and(d -> late.equals(payload(d.frame(), Presence.class).deviceId())));
            deliveries.assertNone("presence of the new device sent to itself or to the offline tablet",
                    frameFor(user, late, FrameType.PRESENCE).or(frameFor(user, tablet, FrameType.PRESENCE)), QUIET);
        }
    }

    @Test
    void aMessageToAnotherOnlineDeviceOfTheUserIsDeliveredFromTheSender() {
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            String id = unique("msg");
            sendFrame(user, laptop, laptopConn, clientFrame(id, FrameType.MESSAGE, phone, Map.of("text", "hi phone")));

            Delivery delivered = deliveries.await("message on the phone", frameFor(user, phone, FrameType.MESSAGE));
            assertThat(delivered.frame().id()).isEqualTo(id);
            assertThat(delivered.frame().from()).isEqualTo(laptop);
            assertThat(delivered.frame().payload().get("text").asText()).isEqualTo("hi phone");
            assertThat(delivered.connectionId()).as("a message goes to the device, not to one connection").isNull();
            deliveries.assertNone("an error for the sender or a copy elsewhere",
                    frameFor(user, laptop, FrameType.ERROR).or(frameFor(user, laptop, FrameType.MESSAGE)), QUIET);
        }
    }

    @Test
    void aMessageWithoutTargetGoesToEveryOtherOnlineDevice() {
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            String id = unique("msg");
            sendFrame(user, phone, phoneConn, clientFrame(id, FrameType.MESSAGE, null, Map.of("text", "to all")));

            Delivery delivered = deliveries.await("broadcast on the laptop", frameFor(user, laptop, FrameType.MESSAGE));
            assertThat(delivered.frame().id()).isEqualTo(id);
            assertThat(delivered.frame().from()).isEqualTo(phone);
            deliveries.assertNone("a broadcast back to the sender, to the offline tablet or to another user",
                    frameFor(user, phone, FrameType.MESSAGE).or(frameFor(user, tablet, FrameType.MESSAGE))
                            .or(frameFor(otherUser, otherDevice, FrameType.MESSAGE)),
                    QUIET);
        }
    }

    @Test
    void aMessageToAnotherUsersDeviceIsNotFoundAndNeverReachesIt() {
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            String id = unique("msg");
            sendFrame(user, laptop, laptopConn, clientFrame(id, FrameType.MESSAGE, otherDevice, Map.of("text", "psst")));

            assertError(deliveries, id, ErrorCode.NOT_FOUND);
            deliveries.assertNone("anything for the other user's device",
                    (Predicate<Delivery>) d -> otherUser.equals(d.userId()) || otherDevice.equals(d.deviceId()), QUIET);
        }
    }

    @Test
    void aMessageToAnOfflineDeviceOfTheUserIsStoredWithoutAnErrorAndDeliveredWhenItConnects() {
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            String id = unique("msg");
            sendFrame(user, laptop, laptopConn, clientFrame(id, FrameType.MESSAGE, tablet, Map.of("text", "wake up")));

            deliveries.assertNone("an error for the sender or a delivery to the offline tablet",
                    frameFor(user, laptop, FrameType.ERROR).or(frameFor(user, tablet, FrameType.MESSAGE)), QUIET);

            String connection = unique("conn");
            StoreTestSupport.online(redis, user, tablet, connection, GATEWAY);
            present.add(new String[] { user, tablet });
            sendFrame(user, tablet, connection, hello(unique("hello"), tablet, "mobile"));
            Delivery delivered = deliveries.await("the stored message after the tablet's welcome",
                    frameFor(user, tablet, FrameType.MESSAGE).and(d -> id.equals(d.frame().id())));
            assertThat(delivered.frame().from()).isEqualTo(laptop);
            assertThat(delivered.frame().seq()).isPositive();
            assertThat(delivered.connectionId()).as("a replay answers the connection that said hello").isEqualTo(connection);
        }
    }

    /** The sender's connection gets an error answering {@code corr}. */
    private ErrorPayload assertError(Tail<Delivery> deliveries, String corr, ErrorCode code) {
        Delivery error = deliveries.await(code.wire() + " error for the laptop",
                frameFor(user, laptop, FrameType.ERROR).and(d -> corr.equals(d.frame().corr())));
        assertThat(error.connectionId()).isEqualTo(laptopConn);
        ErrorPayload body = payload(error.frame(), ErrorPayload.class);
        assertThat(body.code()).isEqualTo(code.wire());
        return body;
    }
}
