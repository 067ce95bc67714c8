package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.WAIT;
import static io.rccs.gateway.GatewayTestSupport.connect;
import static io.rccs.gateway.GatewayTestSupport.deviceId;
import static io.rccs.gateway.GatewayTestSupport.errorWithCode;
import static io.rccs.gateway.GatewayTestSupport.pingPong;
import static io.rccs.gateway.GatewayTestSupport.subject;
import static io.rccs.gateway.GatewayTestSupport.token;
import static io.rccs.gateway.GatewayTestSupport.ws;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.rccs.client.FrameMatcher;
import io.rccs.client.RccsClient;
import io.rccs.common.ServerFrames;
import io.rccs.gateway.connection.CloseCodes;
import io.rccs.model.events.ConnectionClosed;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.presence.GatewayRuns;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Welcome;

/**
 * The gateway at the edge, with a short heartbeat: a peer that answers no ping is ended within two
 * intervals (its close published), a client that reads nothing while frames pile up is closed as a
 * slow reader, a token is renewed in band (and a token of another user refused), and the gateway's
 * run holds its index in Redis.
 */
@QuarkusTest
@TestProfile(EdgeTest.ShortHeartbeat.class)
class EdgeTest {

    public static class ShortHeartbeat implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rccs.gateway.heartbeat", "2s", "rccs.gateway.max-pending-write-bytes", "65536",
                    "rccs.gateway.slow-reader-timeout", "2s");
        }
    }

    @TestHTTPResource("/v1/connect")
    URI connect;

    @TestHTTPResource("/q/health/ready")
    URI ready;

    @ConfigProperty(name = "rccs.gateway.heartbeat")
    Duration heartbeat;

    @Inject
    RedisDataSource redis;

    /** A raw JDK WebSocket that reads nothing after it opened (so it answers no ping and takes no frame). */
    private static WebSocket silentSocket(URI connect, String user) throws Exception {
        return HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Authorization", "Bearer " + token(user))
                .buildAsync(ws(connect), new WebSocket.Listener() {
                    @Override
                    public void onOpen(WebSocket webSocket) {
                        // no request(): nothing is read from here on
                    }
                }).get(10, TimeUnit.SECONDS);
    }

    private static String helloJson(String id, String deviceId) {
        return FrameCodec.encode(Frame.client(id, FrameType.HELLO, null,
                FrameCodec.toPayload(RelayDouble.helloPayload(deviceId, null))));
    }

    private static ConnectionClosed awaitClose(RelayDouble relay, String connectionId, Duration within) {
        return relay.framesIn().await("the close of " + connectionId,
                e -> EventTypes.CONNECTION_CLOSED.equals(e.event().type())
                        && connectionId.equals(e.event().data(ConnectionClosed.class).connectionId()), within)
                .event().data(ConnectionClosed.class);
    }

    @Test
    void aPeerThatAnswersNoPingIsEndedWithinTwoHeartbeats() throws Exception {
        try (RelayDouble relay = RelayDouble.open(ready)) {
            WebSocket silent = silentSocket(connect, "alice");
            String helloId = "hello-" + deviceId("silent");
            silent.sendText(helloJson(helloId, deviceId("gw-silent")), true).get(5, TimeUnit.SECONDS);
            long sent = System.nanoTime();
            InboundFrame hello = RelayDouble.inbound(relay.framesIn().await("the hello", RelayDouble.frameWithId(helloId), WAIT));

            ConnectionClosed closed = awaitClose(relay, hello.connectionId(), heartbeat.multipliedBy(2).plusSeconds(5));
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
            assertThat(closed.closeCode()).isEqualTo(CloseCodes.HEARTBEAT_MISSED);
            assertThat(elapsed).as("ended after 1.5 heartbeats, within two").isBetween(heartbeat.toMillis(),
                    heartbeat.multipliedBy(2).toMillis() + 500);
            silent.abort();
        }
    }

    @Test
    void aClientThatAnswersPingsStaysOpenPastTwoHeartbeats() throws Exception {
        try (RelayDouble relay = RelayDouble.open(ready); RccsClient client = connect(connect, "alice")) {
            relay.online(client, deviceId("gw-alive"), true);
            long until = System.nanoTime() + heartbeat.multipliedBy(3).toNanos();
            while (System.nanoTime() < until) {
                assertThat(client.closed()).isNotDone();
                Thread.sleep(200);
            }
            pingPong(client);
        }
    }

    @Test
    void aClientThatReadsNothingWhileFramesPileUpIsClosedAsASlowReader() throws Exception {
        String sub = subject(token("alice"));
        String device = deviceId("gw-slow");
        try (RelayDouble relay = RelayDouble.open(ready)) {
            WebSocket slow = silentSocket(connect, "alice");
            String helloId = "hello-" + device;
            slow.sendText(helloJson(helloId, device), true).get(5, TimeUnit.SECONDS);
            InboundFrame hello = RelayDouble.inbound(relay.framesIn().await("the hello", RelayDouble.frameWithId(helloId), WAIT));
            relay.answer(hello, Frame.server(ServerFrames.newId(), FrameType.WELCOME, helloId,
                    FrameCodec.toPayload(new Welcome(hello.connectionId(), device, true, 2, false, 0))));
            // 60 KiB frames: the socket buffers fill, then frames wait in the gateway
            String body = "x".repeat(60_000);
            for (int i = 0; i < 400; i++) {
                relay.deliver(Delivery.of(sub, device, Frame.server("m-" + i, FrameType.MESSAGE, null,
                        FrameCodec.mapper().createObjectNode().put("text", body))));
            }
            ConnectionClosed closed = awaitClose(relay, hello.connectionId(), WAIT);
            assertThat(closed.closeCode()).isIn(CloseCodes.SLOW_READER, CloseCodes.HEARTBEAT_MISSED);
            slow.abort();
        }
    }

    @Test
    void aTokenIsRenewedInBandAndAnotherUsersTokenIsRefused() {
        try (RelayDouble relay = RelayDouble.open(ready); RccsClient client = connect(connect, "alice")) {
            relay.online(client, deviceId("gw-refresh"), true);
            String fresh = io.rccs.client.TokenClient.passwordGrant(GatewayTestSupport.issuer(), GatewayTestSupport.CLIENT_ID,
                    "alice", "alice");
            Frame refresh = client.send("auth.refresh", null, FrameCodec.mapper().createObjectNode().put("token", fresh));
            Frame ok = client.awaitReply(refresh.id(), "auth.ok", WAIT);
            assertThat(ok.payload().path("expiresAt").asLong()).isGreaterThan(System.currentTimeMillis() / 1000);

            Frame foreign = client.send("auth.refresh", null, FrameCodec.mapper().createObjectNode().put("token", token("bob")));
            Frame refused = client.await(FrameMatcher.corr(foreign.id()), WAIT);
            assertThat(refused.type()).isEqualTo("error");
            assertThat(refused.payload().path("code").asText()).isEqualTo("forbidden");

            Frame garbage = client.send("auth.refresh", null, FrameCodec.mapper().createObjectNode().put("token", "not-a-token"));
            assertThat(client.await(FrameMatcher.corr(garbage.id()).and(errorWithCode("forbidden")), WAIT)).isNotNull();
            // still open, still alice
            pingPong(client);
            assertThat(client.closed()).isNotDone();
        }
    }

    @Test
    void thisRunHoldsItsIndexInRedis() {
        GatewayTestSupport.awaitReady(ready);
        String epoch = redis.value(String.class).get(GatewayRuns.aliveKey(GatewayTestSupport.INSTANCE));
        assertThat(epoch).isNotBlank();
        assertThat(redis.set(String.class).smembers(GatewayRuns.RUNS)).contains(GatewayRuns.run(GatewayTestSupport.INSTANCE, epoch));
        assertThat(redis.key().pttl(GatewayRuns.aliveKey(GatewayTestSupport.INSTANCE))).isPositive()
                .isLessThanOrEqualTo(heartbeat.toMillis());
    }
}
