package io.rccs.relay;

import static io.rccs.relay.KafkaTestSupport.GATEWAY;
import static io.rccs.relay.KafkaTestSupport.clientFrame;
import static io.rccs.relay.KafkaTestSupport.frameFor;
import static io.rccs.relay.KafkaTestSupport.hello;
import static io.rccs.relay.KafkaTestSupport.payload;
import static io.rccs.relay.KafkaTestSupport.sendFrame;
import static io.rccs.relay.KafkaTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.rccs.testsupport.StoreTestSupport;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.model.events.Delivery;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Devices;
import io.rccs.model.protocol.payload.Devices.DeviceInfo;
import io.rccs.model.protocol.payload.DevicesList;
import io.rccs.testsupport.KafkaTestKit.Tail;

/** devices.list: the user's devices with live presence from Redis, filtered as asked. */
@QuarkusTest
class DevicesListTest {

    @Inject
    RedisDataSource redis;

    @Test
    void listsTheUsersDevicesWithTheirPresenceAndFiltersThem() {
        KafkaTestSupport.awaitRelayReady();
        String user = unique("user");
        String desk = unique("desk");
        String phone = unique("phone");
        String deskConn = unique("conn");
        String phoneConn = unique("conn");
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            StoreTestSupport.online(redis, user, desk, deskConn, GATEWAY);
            StoreTestSupport.online(redis, user, phone, phoneConn, GATEWAY);
            sendFrame(user, desk, deskConn, hello("h-desk", desk, "desktop", "roo.task@1", "roo.files"));
            sendFrame(user, phone, phoneConn, hello("h-phone", phone, "mobile", "notify"));
            deliveries.await("welcome of the phone", frameFor(user, phone, FrameType.WELCOME));
            StoreTestSupport.offline(redis, user, phone); // the phone disconnected

            Map<String, DeviceInfo> all = list(deliveries, user, desk, deskConn, new DevicesList(null, null, null));
            assertThat(all).containsOnlyKeys(desk, phone);
            DeviceInfo deskInfo = all.get(desk);
            assertThat(deskInfo.presence()).isEqualTo("online");
            assertThat(deskInfo.kind()).isEqualTo("desktop");
            assertThat(deskInfo.name()).isEqualTo("name of " + desk);
            assertThat(deskInfo.platform()).isEqualTo("linux");
            assertThat(deskInfo.capabilities()).containsExactly("roo.task@1", "roo.files");
            assertThat(deskInfo.trusted()).isTrue();
            assertThat(deskInfo.lastSeen()).isPositive();
            DeviceInfo phoneInfo = all.get(phone);
            assertThat(phoneInfo.presence()).isEqualTo("offline");
            assertThat(phoneInfo.kind()).isEqualTo("mobile");

            assertThat(list(deliveries, user, desk, deskConn, new DevicesList("mobile", null, null)))
                    .as("kind filter").containsOnlyKeys(phone);
            assertThat(list(deliveries, user, desk, deskConn, new DevicesList("desktop", null, null)))
                    .as("kind filter").containsOnlyKeys(desk);
            assertThat(list(deliveries, user, desk, deskConn, new DevicesList(null, null, true)))
                    .as("online filter").containsOnlyKeys(desk);
            assertThat(list(deliveries, user, desk, deskConn, new DevicesList(null, "notify", null)))
                    .as("capability filter").containsOnlyKeys(phone);
            assertThat(list(deliveries, user, desk, deskConn, new DevicesList("web", null, null)))
                    .as("a kind nobody has").isEmpty();
        } finally {
            StoreTestSupport.offline(redis, user, desk);
            StoreTestSupport.offline(redis, user, phone);
        }
    }

    @Test
    void aUserWithFortyDevicesOnlineIsListedAndToldOfPresenceInFull() {
        KafkaTestSupport.awaitRelayReady();
        String user = unique("many");
        List<String> devices = java.util.stream.IntStream.range(0, 40).mapToObj(n -> unique("dev" + n)).toList();
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            for (String device : devices) {
                StoreTestSupport.online(redis, user, device, "conn-" + device, GATEWAY);
                sendFrame(user, device, "conn-" + device, hello("h-" + device, device, "desktop"));
            }
            String last = devices.get(devices.size() - 1);
            deliveries.await("welcome of the last device", frameFor(user, last, FrameType.WELCOME));
            // the last hello fans a presence frame out to the 39 others, each looked up in Redis
            deliveries.awaitCount("presence of the last device at the others", d -> user.equals(d.userId())
                    && !last.equals(d.deviceId()) && d.frame() != null && d.frame().is(FrameType.PRESENCE)
                    && last.equals(d.frame().payload().path("deviceId").asText()), 39);

            Map<String, DeviceInfo> all = list(deliveries, user, last, "conn-" + last, new DevicesList(null, null, null));
            assertThat(all).containsOnlyKeys(devices);
            assertThat(all.values()).allSatisfy(info -> assertThat(info.presence()).isEqualTo("online"));
        } finally {
            devices.forEach(device -> StoreTestSupport.offline(redis, user, device));
        }
    }

    /** Sends devices.list and returns the answer (which must answer it on the asking connection) by device id. */
    private static Map<String, DeviceInfo> list(Tail<Delivery> deliveries, String user, String device, String connection,
            DevicesList filter) {
        String id = unique("list");
        sendFrame(user, device, connection, clientFrame(id, FrameType.DEVICES_LIST, null, filter));
        Delivery answer = deliveries.await("devices answering " + id,
                frameFor(user, device, FrameType.DEVICES).and(d -> id.equals(d.frame().corr())));
        assertThat(answer.connectionId()).isEqualTo(connection);
        List<DeviceInfo> devices = payload(answer.frame(), Devices.class).devices();
        Map<String, DeviceInfo> byId = new java.util.LinkedHashMap<>();
        devices.forEach(info -> assertThat(byId.put(info.id(), info)).as("listed once: " + info.id()).isNull());
        return byId;
    }
}
