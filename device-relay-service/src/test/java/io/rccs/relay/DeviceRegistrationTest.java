package io.rccs.relay;

import static io.rccs.relay.KafkaTestSupport.GATEWAY;
import static io.rccs.relay.KafkaTestSupport.eventOf;
import static io.rccs.relay.KafkaTestSupport.frameFor;
import static io.rccs.relay.KafkaTestSupport.hello;
import static io.rccs.relay.KafkaTestSupport.payload;
import static io.rccs.relay.KafkaTestSupport.sendFrame;
import static io.rccs.relay.KafkaTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.rccs.testsupport.StoreTestSupport;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.DeviceEvent;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Welcome;
import io.rccs.testsupport.KafkaTestKit.Keyed;
import io.rccs.testsupport.KafkaTestKit.Tail;

/** hello: the device is registered once, welcomed on its connection, and announced on rccs.device.events. */
@QuarkusTest
class DeviceRegistrationTest {

    @Inject
    RedisDataSource redis;

    @BeforeEach
    void relayIsConsuming() {
        KafkaTestSupport.awaitRelayReady();
    }

    @Test
    void helloRegistersWelcomesAndAnnouncesTheDeviceOnce() {
        String user = unique("user");
        String device = unique("desk");
        String connection = unique("conn");
        String deviceKey = Topics.deviceKey(user, device);
        StoreTestSupport.online(redis, user, device, connection, GATEWAY);

        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY);
                Tail<Keyed> events = KafkaTestSupport.events(Topics.DEVICE_EVENTS)) {
            Frame hello = hello("hello-1", device, "desktop", "roo.task@1", "notify");
            sendFrame(user, device, connection, hello);

            Delivery welcome = deliveries.await("welcome", frameFor(user, device, FrameType.WELCOME));
            assertThat(welcome.frame().corr()).isEqualTo("hello-1");
            assertThat(welcome.connectionId()).isEqualTo(connection);
            Welcome body = payload(welcome.frame(), Welcome.class);
            assertThat(body.deviceId()).isEqualTo(device);
            assertThat(body.connectionId()).isEqualTo(connection);
            assertThat(body.trusted()).as("a user's first device is trusted").isTrue();
            assertThat(body.heartbeatSec()).isEqualTo(15);

            List<Map<String, Object>> rows = StoreTestSupport.rows(
                    "select trusted, kind, name, capabilities::text as caps from relay.device where user_id = ? and device_id = ?",
                    user, device);
            assertThat(rows).hasSize(1);
            assertThat(rows.get(0)).containsEntry("trusted", true).containsEntry("kind", "desktop")
                    .containsEntry("name", "name of " + device).containsEntry("caps", "{roo.task@1,notify}");

            Keyed registered = events.await("registered event", eventOf(deviceKey, EventTypes.DEVICE_REGISTERED));
            Keyed online = events.await("online event", eventOf(deviceKey, EventTypes.DEVICE_ONLINE));
            for (Keyed event : List.of(registered, online)) {
                DeviceEvent data = event.data(DeviceEvent.class);
                assertThat(data.userId()).isEqualTo(user);
                assertThat(data.deviceId()).isEqualTo(device);
                assertThat(data.trusted()).isTrue();
                assertThat(data.online()).isTrue();
                assertThat(data.connectionId()).isEqualTo(connection);
                assertThat(data.gateway()).isEqualTo(GATEWAY);
                assertThat(data.capabilities()).containsExactly("roo.task@1", "notify");
            }

            // the gateway re-publishes the same record (e.g. after a crash before its offset commit)
            sendFrame(user, device, connection, hello);

            List<Delivery> welcomes = deliveries.awaitCount("second welcome", frameFor(user, device, FrameType.WELCOME), 2);
            assertThat(welcomes).hasSize(2);
            assertThat(welcomes.get(1).frame().corr()).isEqualTo("hello-1");
            assertThat(payload(welcomes.get(1).frame(), Welcome.class).trusted()).isTrue();
            assertThat(StoreTestSupport.count("select count(*) from relay.device where user_id = ? and device_id = ?",
                    user, device)).as("a replayed hello must not register the device twice").isEqualTo(1);
            // the online event of the replay comes after any registered event it would publish (same key, same partition)
            events.awaitCount("online event of the replay", eventOf(deviceKey, EventTypes.DEVICE_ONLINE), 2);
            assertThat(events.all(eventOf(deviceKey, EventTypes.DEVICE_REGISTERED)))
                    .as("registered is published only for the first hello").hasSize(1);
        } finally {
            StoreTestSupport.offline(redis, user, device);
        }
    }
}
