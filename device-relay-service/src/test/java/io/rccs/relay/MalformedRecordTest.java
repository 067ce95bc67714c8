package io.rccs.relay;

import static io.rccs.relay.KafkaTestSupport.GATEWAY;
import static io.rccs.relay.KafkaTestSupport.frameFor;
import static io.rccs.relay.KafkaTestSupport.hello;
import static io.rccs.relay.KafkaTestSupport.payload;
import static io.rccs.relay.KafkaTestSupport.send;
import static io.rccs.relay.KafkaTestSupport.sendFrame;
import static io.rccs.relay.KafkaTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.rccs.testsupport.StoreTestSupport;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Welcome;
import io.rccs.testsupport.KafkaTestKit.Tail;

/** A poison record on rccs.frames.in is skipped: the partition it sits on keeps flowing. */
@QuarkusTest
class MalformedRecordTest {

    @Inject
    RedisDataSource redis;

    @Test
    void recordsThatAreNotCloudEventsDoNotStopTheConsumer() {
        KafkaTestSupport.awaitRelayReady();
        String user = unique("user");
        String device = unique("desk");
        String connection = unique("conn");
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            // same key as the hello below, so they share its partition
            send(Topics.FRAMES_IN, user, "this is not JSON {");
            send(Topics.FRAMES_IN, user, "{\"hello\":\"world\"}");
            send(Topics.FRAMES_IN, user, "[1,2,3]");
            send(Topics.FRAMES_IN, user, null);
            send(Topics.FRAMES_IN, user, CloudEvent.of(EventTypes.FRAME_RECEIVED, "/test", user,
                    Map.of("frame", "not a frame object")).toJson());

            StoreTestSupport.online(redis, user, device, connection, GATEWAY);
            sendFrame(user, device, connection, hello("hello-after-poison", device, "desktop"));

            Delivery welcome = deliveries.await("welcome after the poison records", frameFor(user, device, FrameType.WELCOME));
            assertThat(welcome.frame().corr()).isEqualTo("hello-after-poison");
            assertThat(payload(welcome.frame(), Welcome.class).deviceId()).isEqualTo(device);
        } finally {
            StoreTestSupport.offline(redis, user, device);
        }
    }
}
