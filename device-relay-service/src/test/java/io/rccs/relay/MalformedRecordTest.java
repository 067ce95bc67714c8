package io.rccs.relay;

import static io.rccs.relay.KafkaTestSupport.GATEWAY;
import static io.rccs.relay.KafkaTestSupport.frameFor;
import static io.rccs.relay.KafkaTestSupport.hello;
import static io.rccs.relay.KafkaTestSupport.payload;
import static io.rccs.relay.KafkaTestSupport.send;
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
import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.DeadLetter;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Welcome;
import io.rccs.relay.routing.InboundConsumer;
import io.rccs.testsupport.KafkaTestKit;
import io.rccs.testsupport.KafkaTestKit.Tail;

/**
 * A poison record on rccs.frames.in goes to rccs.dead-letters, with its reason and where it was; the
 * partition it sits on keeps flowing.
 */
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
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY);
                Tail<KafkaTestKit.Keyed> deadLetters = KafkaTestSupport.events(Topics.DEAD_LETTERS)) {
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

            List<DeadLetter> letters = deadLetters.awaitCount("dead letters of the poison records",
                    event -> user.equals(event.key()) && EventTypes.DEAD_LETTER.equals(event.event().type()), 5)
                    .stream().map(event -> event.data(DeadLetter.class)).toList();
            assertThat(letters).extracting(DeadLetter::value)
                    .contains("this is not JSON {", "{\"hello\":\"world\"}", "[1,2,3]");
            assertThat(letters).allSatisfy(letter -> {
                assertThat(letter.topic()).isEqualTo(Topics.FRAMES_IN);
                assertThat(letter.consumer()).isEqualTo(InboundConsumer.CONSUMER);
                assertThat(letter.offset()).isNotNegative();
                assertThat(letter.error()).isNotBlank();
            });
            assertThat(letters).extracting(DeadLetter::reason).containsOnly(DeadLetter.MALFORMED, DeadLetter.REJECTED);
            assertThat(letters).filteredOn(letter -> letter.value() != null && letter.value().contains("not a frame object"))
                    .extracting(DeadLetter::reason).containsExactly(DeadLetter.REJECTED);
        } finally {
            StoreTestSupport.offline(redis, user, device);
        }
    }
}
