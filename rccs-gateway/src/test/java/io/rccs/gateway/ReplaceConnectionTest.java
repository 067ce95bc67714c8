package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.INSTANCE;
import static io.rccs.gateway.GatewayTestSupport.WAIT;
import static io.rccs.gateway.GatewayTestSupport.connect;
import static io.rccs.gateway.GatewayTestSupport.deviceId;
import static io.rccs.gateway.GatewayTestSupport.pingPong;
import static io.rccs.gateway.GatewayTestSupport.subject;
import static io.rccs.gateway.GatewayTestSupport.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import io.rccs.model.presence.PresenceEntry;

/**
 * SPEC 3: a second connection of the same device replaces the first, which is closed with 4409 —
 * when the relay welcomes the second one, not at its hello.
 */
@QuarkusTest
class ReplaceConnectionTest {

    @TestHTTPResource("/v1/connect")
    URI connect;

    @TestHTTPResource("/q/health/ready")
    URI ready;

    @Inject
    RedisDataSource redis;

    @Test
    void theWelcomeOfASecondConnectionOfTheDeviceClosesTheFirstWith4409() throws Exception {
        String sub = subject(token("alice"));
        String device = deviceId("gw-replace");
        String presenceKey = PresenceEntry.key(sub, device);
        try (RelayDouble relay = RelayDouble.open(ready);
                RccsClient first = connect(connect, "alice")) {
            String firstConnection = relay.online(first, device, true);
            await().atMost(WAIT).until(() -> firstConnection.equals(redis.hash(String.class).hget(presenceKey, "connectionId")));

            try (RccsClient second = connect(connect, "alice")) {
                RelayDouble.PublishedHello secondHello = relay.hello(second, device);
                String secondConnection = secondHello.connectionId();
                assertThat(secondConnection).isNotEqualTo(firstConnection);

                // the second hello alone changes nothing: the relay has not checked it yet
                pingPong(first);
                assertThat(first.isOpen()).isTrue();
                assertThat(redis.hash(String.class).hget(presenceKey, "connectionId")).isEqualTo(firstConnection);

                relay.welcome(second, secondHello, true);
                assertThat(first.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(4409);

                // the old connection's end is recorded, but it must not take the new connection's presence with it
                ConnectionClosed closed = relay.framesIn().await("ConnectionClosed of " + firstConnection,
                        e -> EventTypes.CONNECTION_CLOSED.equals(e.event().type())
                                && firstConnection.equals(e.event().data(ConnectionClosed.class).connectionId()),
                        WAIT).event().data(ConnectionClosed.class);
                assertThat(closed.closeCode()).isEqualTo(4409);
                await().atMost(WAIT).until(() -> secondConnection.equals(redis.hash(String.class).hget(presenceKey, "connectionId")));
                Map<String, String> entry = redis.hash(String.class).hgetall(presenceKey);
                assertThat(entry)
                        .containsEntry("connectionId", secondConnection)
                        .containsEntry("gateway", Integer.toString(INSTANCE));

                assertThat(second.isOpen()).isTrue();
                pingPong(second);
            }
        }
    }
}
