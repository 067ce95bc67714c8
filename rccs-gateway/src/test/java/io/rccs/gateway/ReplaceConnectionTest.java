package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.INSTANCE;
import static io.rccs.gateway.GatewayTestSupport.WAIT;
import static io.rccs.gateway.GatewayTestSupport.connect;
import static io.rccs.gateway.GatewayTestSupport.deviceId;
import static io.rccs.gateway.GatewayTestSupport.hello;
import static io.rccs.gateway.GatewayTestSupport.kafkaBootstrap;
import static io.rccs.gateway.GatewayTestSupport.pingPong;
import static io.rccs.gateway.GatewayTestSupport.subject;
import static io.rccs.gateway.GatewayTestSupport.token;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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

/** SPEC 3: a second connection of the same device replaces the first, which is closed with 4409. */
@QuarkusTest
class ReplaceConnectionTest {

    @TestHTTPResource("/v1/connect")
    URI connect;

    @Inject
    RedisDataSource redis;

    private static String connectionOf(EventTail framesIn, Frame hello) {
        return framesIn.await("the hello " + hello.id(),
                e -> EventTypes.FRAME_RECEIVED.equals(e.event().type())
                        && hello.id().equals(e.event().data(InboundFrame.class).frame().id()),
                WAIT).event().data(InboundFrame.class).connectionId();
    }

    @Test
    void aSecondConnectionOfTheDeviceClosesTheFirstWith4409() throws Exception {
        String sub = subject(token("alice"));
        String device = deviceId("gw-replace");
        String presenceKey = PresenceEntry.key(sub, device);
        try (EventTail framesIn = EventTail.framesIn(kafkaBootstrap());
                RccsClient first = connect(connect, "alice");
                RccsClient second = connect(connect, "alice")) {
            String firstConnection = connectionOf(framesIn, hello(first, device));
            assertThat(redis.hash(String.class).hget(presenceKey, "connectionId")).isEqualTo(firstConnection);

            String secondConnection = connectionOf(framesIn, hello(second, device));
            assertThat(secondConnection).isNotEqualTo(firstConnection);

            assertThat(first.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(4409);

            // the old connection's end is recorded, but it must not take the new connection's presence with it
            ConnectionClosed closed = framesIn.await("ConnectionClosed of " + firstConnection,
                    e -> EventTypes.CONNECTION_CLOSED.equals(e.event().type())
                            && firstConnection.equals(e.event().data(ConnectionClosed.class).connectionId()),
                    WAIT).event().data(ConnectionClosed.class);
            assertThat(closed.closeCode()).isEqualTo(4409);
            Map<String, String> entry = redis.hash(String.class).hgetall(presenceKey);
            assertThat(entry)
                    .containsEntry("connectionId", secondConnection)
                    .containsEntry("gateway", Integer.toString(INSTANCE));

            assertThat(second.isOpen()).isTrue();
            pingPong(second);
        }
    }
}
