package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.WAIT;
import static io.rccs.gateway.GatewayTestSupport.connect;
import static io.rccs.gateway.GatewayTestSupport.deviceId;
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

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.client.FrameMatcher;
import io.rccs.client.RccsClient;
import io.rccs.model.events.Delivery;
import io.rccs.model.presence.PresenceEntry;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;

/**
 * The gateway reads its partition of rccs.deliveries (15 in the test profile) and writes each
 * delivered frame to the device's connection here; deliveries for devices not here are dropped;
 * a closeCode closes the connection with it.
 */
@QuarkusTest
class DeliveryRoutingTest {

    @TestHTTPResource("/v1/connect")
    URI connect;

    @TestHTTPResource("/q/health/ready")
    URI ready;

    @Inject
    RedisDataSource redis;

    private RelayDouble relay;

    private String sub;

    @BeforeEach
    void playTheRelay() {
        relay = RelayDouble.open(ready);
        sub = subject(token("alice"));
    }

    @AfterEach
    void stopPlayingTheRelay() {
        if (relay != null) {
            relay.close();
        }
    }

    /** Says hello as {@code device} and has the relay double welcome it (trusted); returns the connection id. */
    private String online(RccsClient client, String device) {
        String connectionId = relay.online(client, device, true);
        // the welcome binds the device here and writes its presence
        await().atMost(WAIT).until(() -> connectionId.equals(redis.hash(String.class).hget(PresenceEntry.key(sub, device), "connectionId")));
        return connectionId;
    }

    @Test
    void aLiveMessageBeforeTheWelcomeIsHeldBackAndOneAfterItGoesThrough() {
        String device = deviceId("gw-route");
        try (RccsClient client = connect(connect, "alice")) {
            RelayDouble.PublishedHello hello = relay.hello(client, device);
            Frame early = message("other", "before the welcome and its replay");
            relay.deliver(Delivery.of(sub, device, early));
            Frame earlyToConnection = message("other", "to the connection, before its welcome");
            relay.deliver(Delivery.toConnection(sub, device, hello.connectionId(), earlyToConnection));
            relay.welcome(client, hello, true);
            Frame late = message("other", "after the welcome");
            relay.deliver(Delivery.of(sub, device, late));

            client.await(FrameMatcher.id(late.id()), WAIT);
            assertThat(client.received()).extracting(Frame::id).doesNotContain(early.id(), earlyToConnection.id());
        }
    }

    private static Frame message(String from, String text) {
        return new Frame(Frame.VERSION, "m-" + UUID.randomUUID(), FrameType.MESSAGE.wire(), null, from, null, null,
                System.currentTimeMillis(), FrameCodec.toPayload(Map.of("text", text)));
    }

    @Test
    void aDeliveryReachesTheDevicesConnection() {
        String device = deviceId("gw-route");
        try (RccsClient client = connect(connect, "alice")) {
            online(client, device);
            Frame sent = message("other", "hi");
            relay.deliver(Delivery.of(sub, device, sent));

            Frame received = client.await(FrameMatcher.id(sent.id()), WAIT);
            assertThat(received.type()).isEqualTo("message");
            assertThat(received.from()).isEqualTo("other");
            assertThat(received.payload().path("text").asText()).isEqualTo("hi");
            assertThat(client.isOpen()).isTrue();
        }
    }

    @Test
    void deliveriesForDevicesNotHereAreDroppedHarmlessly() {
        String device = deviceId("gw-route");
        try (RccsClient client = connect(connect, "alice")) {
            String connectionId = online(client, device);

            Frame forAbsent = message("other", "not for you");
            relay.deliver(Delivery.of(sub, deviceId("gw-absent"), forAbsent));
            // the same device id under another user is another device
            Frame forOtherUser = message("other", "wrong user");
            relay.deliver(Delivery.of("someone-else", device, forOtherUser));
            // addressed to a previous connection of this device
            Frame forOldConnection = message("other", "stale");
            relay.deliver(Delivery.toConnection(sub, device, "not-" + connectionId, forOldConnection));
            relay.deliverRaw(sub + "/" + device, "this is not a cloud event");
            // then one that is for this connection: once it arrives, everything before it was handled
            Frame forMe = message("other", "after the others");
            relay.deliver(Delivery.toConnection(sub, device, connectionId, forMe));

            client.await(FrameMatcher.id(forMe.id()), WAIT);
            assertThat(client.received()).extracting(Frame::id)
                    .doesNotContain(forAbsent.id(), forOtherUser.id(), forOldConnection.id());
            assertThat(client.nothingMatching(FrameMatcher.id(forAbsent.id())
                    .or(FrameMatcher.id(forOtherUser.id()))
                    .or(FrameMatcher.id(forOldConnection.id())), Duration.ofSeconds(1))).isTrue();
            assertThat(client.isOpen()).isTrue();
            pingPong(client);
        }
    }

    @Test
    void aDeliveryWithACloseCodeClosesTheConnection() throws Exception {
        String device = deviceId("gw-route");
        try (RccsClient client = connect(connect, "alice")) {
            online(client, device);
            Frame last = message("other", "bye");
            relay.deliver(new Delivery(sub, device, null, last, 4409));

            assertThat(client.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(4409);
            // the frame is written before the close
            assertThat(client.received()).extracting(Frame::id).contains(last.id());
            // and the device is no longer present
            await().atMost(WAIT).until(() -> redis.hash(String.class).hget(PresenceEntry.key(sub, device), "userId") == null);
        }
    }
}
