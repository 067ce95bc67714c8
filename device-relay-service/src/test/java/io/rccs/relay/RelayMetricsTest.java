package io.rccs.relay;

import static io.rccs.relay.KafkaTestSupport.GATEWAY;
import static io.rccs.relay.KafkaTestSupport.clientFrame;
import static io.rccs.relay.KafkaTestSupport.frameFor;
import static io.rccs.relay.KafkaTestSupport.sendFrame;
import static io.rccs.relay.KafkaTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.model.events.Delivery;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Hello;
import io.rccs.testsupport.KafkaTestKit.Tail;
import io.rccs.testsupport.StoreTestSupport;

/**
 * The relay's metrics for the dashboard and the alerts: the message latency timer counts each new
 * message once (not a resend), the inbox depth gauge follows the entries not yet acknowledged (the
 * test profile trims every 500 ms), and the dead-letter counters exist from the start.
 */
@QuarkusTest
class RelayMetricsTest {

    /** Counted from the entries themselves, not from the cursors' seqs as the gauge is. */
    private static final String UNACKED = """
            SELECT count(*) FROM relay.inbox_entry e JOIN relay.inbox_cursor c ON c.user_id = e.user_id AND c.device_id = e.device_id
             WHERE e.seq > GREATEST(c.acked_seq, c.trimmed_seq)""";

    @Inject
    MeterRegistry metrics;

    @Inject
    RedisDataSource redis;

    private final String user = unique("user");
    private final String sender = unique("phone");
    private final String senderConn = unique("conn");
    private final String target = unique("desk");

    @AfterEach
    void disconnect() {
        StoreTestSupport.offline(redis, user, sender);
    }

    @Test
    void newMessagesAreTimedOnceAndTheInboxDepthFollowsTheDatabase() {
        KafkaTestSupport.awaitRelayReady();
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            hello(deliveries, target, unique("conn"));
            StoreTestSupport.offline(redis, user, target); // its messages wait in the inbox, unacknowledged
            hello(deliveries, sender, senderConn);
        }
        Timer route = metrics.find("rccs_message_route").timer();
        assertThat(route).as("rccs_message_route (registered with the relay)").isNotNull();
        long timedBefore = route.count();
        long unackedBefore = StoreTestSupport.count(UNACKED);

        List<String> ids = List.of(unique("m"), unique("m"), unique("m"));
        ids.forEach(id -> sendFrame(user, sender, senderConn, clientFrame(id, FrameType.MESSAGE, target, Map.of("text", id))));
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> route.count() >= timedBefore + 3);
        // a resend is stored once and not timed again; the frame after it is (one user's frames keep their order)
        sendFrame(user, sender, senderConn, clientFrame(ids.get(0), FrameType.MESSAGE, target, Map.of("text", "again")));
        sendFrame(user, sender, senderConn, clientFrame(unique("m"), FrameType.MESSAGE, target, Map.of("text", "last")));
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> route.count() >= timedBefore + 4);
        assertThat(route.count()).as("the resend is not timed").isEqualTo(timedBefore + 4);

        Gauge depth = metrics.find("rccs_inbox_unacked_entries").gauge();
        assertThat(depth).isNotNull();
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            long counted = StoreTestSupport.count(UNACKED);
            return counted >= unackedBefore + 4 && depth.value() == counted;
        });
        assertThat(metrics.find("rccs_inbox_unacked_devices").gauge().value()).isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void theDeadLetterCountersExistFromTheStart() {
        for (String reason : new String[] {"malformed", "rejected"}) {
            assertThat(metrics.find("rccs_dead_letters_total").tags("consumer", "device-relay", "reason", reason).counter())
                    .as("rccs_dead_letters_total{consumer=device-relay,reason=%s}", reason).isNotNull();
        }
    }

    private void hello(Tail<Delivery> deliveries, String device, String connection) {
        StoreTestSupport.online(redis, user, device, connection, GATEWAY);
        String helloId = unique("hello");
        sendFrame(user, device, connection, clientFrame(helloId, FrameType.HELLO, null,
                new Hello(device, "name of " + device, "desktop", "linux", "1.0.0", List.of(), null)));
        deliveries.await("welcome of " + device, frameFor(user, device, FrameType.WELCOME).and(d -> helloId.equals(d.frame().corr())));
    }
}
