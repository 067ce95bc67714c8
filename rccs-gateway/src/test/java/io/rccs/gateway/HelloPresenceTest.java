package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.INSTANCE;
import static io.rccs.gateway.GatewayTestSupport.WAIT;
import static io.rccs.gateway.GatewayTestSupport.connect;
import static io.rccs.gateway.GatewayTestSupport.deviceId;
import static io.rccs.gateway.GatewayTestSupport.hello;
import static io.rccs.gateway.GatewayTestSupport.kafkaBootstrap;
import static io.rccs.gateway.GatewayTestSupport.subject;
import static io.rccs.gateway.GatewayTestSupport.token;
import static org.assertj.core.api.Assertions.assertThat;

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
import io.rccs.model.protocol.Frame;

/**
 * hello is published to rccs.frames.in keyed by the user and puts the device in Redis presence; a
 * close removes the presence entry and publishes ConnectionClosed.
 */
@QuarkusTest
class HelloPresenceTest {

    @TestHTTPResource("/v1/connect")
    URI connect;

    @Inject
    RedisDataSource redis;

    @Test
    void helloIsPublishedAndWritesPresenceAndCloseUndoesIt() {
        String sub = subject(token("alice"));
        String device = deviceId("gw-hello");
        String presenceKey = PresenceEntry.key(sub, device);

        try (EventTail framesIn = EventTail.framesIn(kafkaBootstrap())) {
            RccsClient client = connect(connect, "alice");
            long before = System.currentTimeMillis();
            Frame hello = hello(client, device);

            EventTail.Event published = framesIn.await("the hello " + hello.id(),
                    e -> EventTypes.FRAME_RECEIVED.equals(e.event().type())
                            && hello.id().equals(e.event().data(InboundFrame.class).frame().id()),
                    WAIT);
            assertThat(published.key()).isEqualTo(sub);
            InboundFrame inbound = published.event().data(InboundFrame.class);
            assertThat(inbound.userId()).isEqualTo(sub);
            assertThat(inbound.deviceId()).isEqualTo(device);
            assertThat(inbound.gateway()).isEqualTo(INSTANCE);
            assertThat(inbound.connectionId()).isNotBlank();
            assertThat(inbound.roles()).contains("rccs-user");
            assertThat(inbound.frame().type()).isEqualTo("hello");
            assertThat(inbound.frame().payload().path("deviceId").asText()).isEqualTo(device);
            String connectionId = inbound.connectionId();

            // the hello is published after the presence entry is written
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

            EventTail.Event closed = framesIn.await("ConnectionClosed of " + connectionId,
                    e -> EventTypes.CONNECTION_CLOSED.equals(e.event().type())
                            && connectionId.equals(e.event().data(ConnectionClosed.class).connectionId()),
                    WAIT);
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
}
