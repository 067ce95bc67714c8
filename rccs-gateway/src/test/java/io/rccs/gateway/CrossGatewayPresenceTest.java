package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.INSTANCE;
import static io.rccs.gateway.GatewayTestSupport.WAIT;
import static io.rccs.gateway.GatewayTestSupport.connect;
import static io.rccs.gateway.GatewayTestSupport.deviceId;
import static io.rccs.gateway.GatewayTestSupport.kafkaBootstrap;
import static io.rccs.gateway.GatewayTestSupport.subject;
import static io.rccs.gateway.GatewayTestSupport.token;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.client.RccsClient;
import io.rccs.model.events.ConnectionClosed;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.Topics;
import io.rccs.model.presence.PresenceEntry;

/**
 * A device that moves between gateways: once its new gateway has the relay's welcome, it tells the
 * old one (through the old one's deliveries partition) to close the old connection with 4409; a
 * hello alone moves nothing; and a gateway never deletes a presence entry that another connection
 * owns by now.
 */
@QuarkusTest
class CrossGatewayPresenceTest {

    /** A gateway index that no test process reads; the gateway under test is {@link GatewayTestSupport#INSTANCE}. */
    private static final int OTHER_GATEWAY = 14;

    @TestHTTPResource("/v1/connect")
    URI connect;

    @TestHTTPResource("/q/health/ready")
    URI ready;

    @Inject
    RedisDataSource redis;

    private void presentElsewhere(String key, String sub, String device, String connectionId) {
        redis.hash(String.class).hset(key, Map.of("userId", sub, "deviceId", device, "connectionId", connectionId,
                "gateway", Integer.toString(OTHER_GATEWAY), "since", Long.toString(System.currentTimeMillis())));
        redis.key().pexpire(key, Duration.ofSeconds(60));
    }

    @Test
    void aDeviceMovingHereClosesItsConnectionOnTheOtherGatewayAndTheOldCloseKeepsTheNewPresence() {
        String sub = subject(token("alice"));
        String device = deviceId("gw-move");
        String key = PresenceEntry.key(sub, device);
        String elsewhere = "conn-elsewhere-" + UUID.randomUUID();
        presentElsewhere(key, sub, device, elsewhere);
        try (EventTail otherGateway = EventTail.partition(kafkaBootstrap(), Topics.DELIVERIES, OTHER_GATEWAY);
                RelayDouble relay = RelayDouble.open(ready);
                RccsClient client = connect(connect, "alice")) {
            RelayDouble.PublishedHello hello = relay.hello(client, device);
            String here = hello.connectionId();
            // the hello alone moves nothing: the device is still present on the other gateway
            assertThat(redis.hash(String.class).hgetall(key))
                    .containsEntry("connectionId", elsewhere)
                    .containsEntry("gateway", Integer.toString(OTHER_GATEWAY));

            relay.welcome(client, hello, true);
            EventTail.Event order = otherGateway.await("a close of " + elsewhere,
                    e -> EventTypes.DELIVERY.equals(e.event().type())
                            && elsewhere.equals(e.event().data(Delivery.class).connectionId()),
                    WAIT);
            assertThat(order.key()).isEqualTo(Topics.deviceKey(sub, device));
            Delivery close = order.event().data(Delivery.class);
            assertThat(close.userId()).isEqualTo(sub);
            assertThat(close.deviceId()).isEqualTo(device);
            assertThat(close.closeCode()).isEqualTo(4409);
            assertThat(close.frame()).isNull();
            // the order is sent once the entry is this connection's
            assertThat(redis.hash(String.class).hgetall(key))
                    .containsEntry("connectionId", here)
                    .containsEntry("gateway", Integer.toString(INSTANCE));

            // the device moves on to the other gateway again before this connection ends
            String newer = "conn-newer-" + UUID.randomUUID();
            presentElsewhere(key, sub, device, newer);
            client.close();

            relay.framesIn().await("ConnectionClosed of " + here,
                    e -> EventTypes.CONNECTION_CLOSED.equals(e.event().type())
                            && here.equals(e.event().data(ConnectionClosed.class).connectionId()),
                    WAIT);
            assertThat(redis.hash(String.class).hgetall(key))
                    .as("the entry of the newer connection survives the old connection's close")
                    .containsEntry("connectionId", newer)
                    .containsEntry("gateway", Integer.toString(OTHER_GATEWAY));
        } finally {
            redis.key().del(key);
        }
    }
}
