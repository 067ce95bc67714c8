package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.WAIT;
import static io.rccs.gateway.GatewayTestSupport.connect;
import static io.rccs.gateway.GatewayTestSupport.deviceId;
import static io.rccs.gateway.GatewayTestSupport.errorPayload;
import static io.rccs.gateway.GatewayTestSupport.pingPong;
import static io.rccs.gateway.GatewayTestSupport.subject;
import static io.rccs.gateway.GatewayTestSupport.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.client.FrameMatcher;
import io.rccs.client.RccsClient;
import io.rccs.model.events.Delivery;
import io.rccs.model.presence.PresenceEntry;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.ErrorPayload;

/**
 * SPEC 3.4: a hello the relay refuses (a wrong or missing credential) leaves the device's current
 * connection as it was; the refused connection gets the error, stays open and may say hello again.
 */
@QuarkusTest
class HelloRefusedTest {

    @TestHTTPResource("/v1/connect")
    URI connect;

    @TestHTTPResource("/q/health/ready")
    URI ready;

    @Inject
    RedisDataSource redis;

    @ConfigProperty(name = "rccs.gateway.hello-timeout")
    Duration helloTimeout;

    private static Frame message(String text) {
        return new Frame(Frame.VERSION, "m-" + UUID.randomUUID(), FrameType.MESSAGE.wire(), null, "other", null, null,
                System.currentTimeMillis(), FrameCodec.toPayload(Map.of("text", text)));
    }

    @Test
    void aRefusedHelloLeavesTheDevicesConnectionAloneAndMaySayHelloAgain() throws Exception {
        String sub = subject(token("alice"));
        String device = deviceId("gw-refused");
        String presenceKey = PresenceEntry.key(sub, device);
        try (RelayDouble relay = RelayDouble.open(ready);
                RccsClient owner = connect(connect, "alice")) {
            String ownerConnection = relay.online(owner, device, true);
            await().atMost(WAIT).until(() -> ownerConnection.equals(redis.hash(String.class).hget(presenceKey, "connectionId")));

            try (RccsClient intruder = connect(connect, "alice")) {
                // a hello for the same device with a credential the relay does not accept
                RelayDouble.PublishedHello refused = relay.hello(intruder, RelayDouble.helloPayload(device, RelayDouble.newCredential()));
                assertThat(refused.connectionId()).isNotEqualTo(ownerConnection);
                Frame error = relay.refuse(intruder, refused, ErrorCode.FORBIDDEN,
                        "the credential does not match device '" + device + "'");
                assertThat(error.type()).isEqualTo("error");
                assertThat(error.corr()).isEqualTo(refused.hello().id());
                ErrorPayload payload = errorPayload(error);
                assertThat(payload.code()).isEqualTo("forbidden");
                assertThat(payload.retryable()).isFalse();
                assertThat(payload.message()).contains("does not match");

                // the refused connection stays open and is back before hello: it may say hello again (within the
                // hello timeout, which starts anew)
                assertThat(intruder.isOpen()).isTrue();
                RelayDouble.PublishedHello again = relay.hello(intruder, RelayDouble.helloPayload(device, RelayDouble.newCredential()));
                assertThat(again.connectionId()).isEqualTo(refused.connectionId());
                assertThat(again.inbound().credentialHash()).isNotEqualTo(refused.inbound().credentialHash());
                assertThat(intruder.pending()).noneMatch(FrameMatcher.type("error").and(FrameMatcher.corr(again.hello().id())));

                // the device's connection is untouched: open, still the one in presence, still receiving
                // deliveries for the device
                pingPong(owner);
                assertThat(owner.isOpen()).isTrue();
                Frame toDevice = message("for the device's own connection");
                relay.deliver(Delivery.of(sub, device, toDevice));
                owner.await(FrameMatcher.id(toDevice.id()), WAIT);
                assertThat(redis.hash(String.class).hgetall(presenceKey)).containsEntry("connectionId", ownerConnection);

                // this time the relay welcomes it: now, and only now, the older connection is replaced
                relay.welcome(intruder, again, true);
                assertThat(owner.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(4409);
                await().atMost(WAIT).until(() -> refused.connectionId().equals(redis.hash(String.class).hget(presenceKey, "connectionId")));
                // the delivery for the device went to its connection of that time only
                assertThat(intruder.received()).extracting(Frame::id).doesNotContain(toDevice.id());
                pingPong(intruder);
            }
        }
    }

    @Test
    void aRefusedConnectionThatSaysNoHelloAgainIsClosedAfterTheHelloTimeout() throws Exception {
        try (RelayDouble relay = RelayDouble.open(ready);
                RccsClient client = connect(connect, "alice")) {
            RelayDouble.PublishedHello hello = relay.hello(client, RelayDouble.helloPayload(deviceId("gw-refused"), RelayDouble.newCredential()));
            relay.refuse(client, hello, ErrorCode.FORBIDDEN, "no device is registered for this user");
            long refusedAt = System.nanoTime();
            assertThat(client.closed().get(helloTimeout.toMillis() + WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(4408);
            // the timer started anew at the refusal
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - refusedAt)).isGreaterThanOrEqualTo(helloTimeout.toMillis() - 500);
        }
    }
}
