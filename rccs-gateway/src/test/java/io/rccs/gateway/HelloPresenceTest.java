package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.INSTANCE;
import static io.rccs.gateway.GatewayTestSupport.WAIT;
import static io.rccs.gateway.GatewayTestSupport.connect;
import static io.rccs.gateway.GatewayTestSupport.deviceId;
import static io.rccs.gateway.GatewayTestSupport.subject;
import static io.rccs.gateway.GatewayTestSupport.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.client.RccsClient;
import io.rccs.model.events.ConnectionClosed;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.presence.PresenceEntry;

/**
 * hello is published to rccs.frames.in keyed by the user and waits for the relay's verdict; only the
 * welcome puts the device in Redis presence. A close removes the presence entry and publishes
 * ConnectionClosed (also of a connection still waiting for its welcome, which has no presence).
 */
@QuarkusTest
class HelloPresenceTest {

    @TestHTTPResource("/v1/connect")
    URI connect;

    @TestHTTPResource("/q/health/ready")
    URI ready;

    @Inject
    RedisDataSource redis;

    private static boolean closedEventOf(EventTail.Event event, String connectionId) {
        return EventTypes.CONNECTION_CLOSED.equals(event.event().type())
                && connectionId.equals(event.event().data(ConnectionClosed.class).connectionId());
    }

    @Test
    void helloIsPublishedThePresenceIsWrittenOnTheWelcomeAndCloseUndoesIt() {
        String sub = subject(token("alice"));
        String device = deviceId("gw-hello");
        String presenceKey = PresenceEntry.key(sub, device);

        try (RelayDouble relay = RelayDouble.open(ready)) {
            RccsClient client = connect(connect, "alice");
            long before = System.currentTimeMillis();
            RelayDouble.PublishedHello hello = relay.hello(client, device);

            EventTail.Event published = hello.record();
            assertThat(published.key()).isEqualTo(sub);
            InboundFrame inbound = hello.inbound();
            assertThat(inbound.userId()).isEqualTo(sub);
            assertThat(inbound.deviceId()).isEqualTo(device);
            assertThat(inbound.gateway()).isEqualTo(INSTANCE);
            assertThat(inbound.connectionId()).isNotBlank();
            assertThat(inbound.roles()).contains("rccs-user");
            assertThat(inbound.frame().type()).isEqualTo("hello");
            assertThat(inbound.frame().payload().path("deviceId").asText()).isEqualTo(device);
            String connectionId = inbound.connectionId();

            // the hello binds nothing: until the relay welcomes the device, it is not present
            assertThat(redis.hash(String.class).hgetall(presenceKey)).isEmpty();

            relay.welcome(client, hello, true);
            await().atMost(WAIT).until(() -> redis.hash(String.class).hget(presenceKey, "userId") != null);
            Map<String, String> entry = redis.hash(String.class).hgetall(presenceKey);
            assertThat(entry)
                    .containsEntry("userId", sub)
                    .containsEntry("deviceId", device)
                    .containsEntry("connectionId", connectionId)
                    .containsEntry("gateway", Integer.toString(INSTANCE));
            assertThat(Long.parseLong(entry.get("since"))).isBetween(before - 5_000, System.currentTimeMillis() + 5_000);
            // TTL: two heartbeat intervals (15 s default)
            assertThat(redis.key().pttl(presenceKey)).isPositive().isLessThanOrEqualTo(30_000);

            client.close();
            assertThat(client.closed()).isCompletedWithValue(1000);

            EventTail.Event closed = relay.framesIn().await("ConnectionClosed of " + connectionId,
                    e -> closedEventOf(e, connectionId), WAIT);
            // published only after the presence entry is gone (a short tombstone, with no device in it, stays)
            assertThat(redis.hash(String.class).hget(presenceKey, "userId")).isNull();
            assertThat(redis.hash(String.class).hget(presenceKey, "connectionId")).isEqualTo("closed:" + connectionId);
            assertThat(closed.key()).isEqualTo(sub);
            ConnectionClosed data = closed.event().data(ConnectionClosed.class);
            assertThat(data.userId()).isEqualTo(sub);
            assertThat(data.deviceId()).isEqualTo(device);
            assertThat(data.gateway()).isEqualTo(INSTANCE);
            assertThat(data.closeCode()).isEqualTo(1000);
        }
    }

    @Test
    void aConnectionClosedBeforeItsWelcomeHasNoPresenceButItsCloseIsPublished() {
        String sub = subject(token("alice"));
        String device = deviceId("gw-unwelcomed");
        try (RelayDouble relay = RelayDouble.open(ready)) {
            RccsClient client = connect(connect, "alice");
            String connectionId = relay.hello(client, device).connectionId();
            client.close();
            assertThat(client.closed()).isCompletedWithValue(1000);

            // the relay has the hello and may have welcomed the device (announcing it online) meanwhile:
            // it must learn of the close, after the hello (same user, same partition)
            EventTail.Event closed = relay.framesIn().await("ConnectionClosed of " + connectionId,
                    e -> closedEventOf(e, connectionId), WAIT);
            assertThat(closed.key()).isEqualTo(sub);
            ConnectionClosed data = closed.event().data(ConnectionClosed.class);
            assertThat(data.deviceId()).isEqualTo(device);
            assertThat(data.closeCode()).isEqualTo(1000);
            // it never had presence, so there was nothing to remove (not even a tombstone)
            assertThat(redis.key().exists(PresenceEntry.key(sub, device))).isFalse();
        }
    }
}
