package io.rccs.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.payload.AuthRefreshed;

/**
 * {@link RccsDevice} against a scripted gateway: {@code auth.refresh} by hand and ahead of the
 * token's expiry, and which token later connections are opened with.
 */
class RccsDeviceTokenTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private FakeGateway gateway;
    private RccsDevice device;
    /** The tokens the supplier hands out, in turn (the last one again once they run out). */
    private List<String> tokens;
    private final AtomicInteger supplied = new AtomicInteger();

    @BeforeEach
    void startGateway() throws Exception {
        gateway = new FakeGateway();
    }

    @AfterEach
    void stop() throws Exception {
        if (device != null) {
            device.close();
        }
        gateway.close();
    }

    private void start(String... handedOut) {
        tokens = List.of(handedOut);
        device = RccsDevice.builder("laptop", List.of(gateway.url()),
                        () -> tokens.get(Math.min(supplied.getAndIncrement(), tokens.size() - 1)))
                .onMessage(message -> { })
                .maxBackoff(Duration.ofMillis(200))
                .start();
    }

    private static long nowSec() {
        return System.currentTimeMillis() / 1000;
    }

    /** A token of alice issued now that expires {@code inSeconds} from now. */
    private static String token(long inSeconds, String tag) {
        long now = nowSec();
        return AccessTokenTest.jwt(now, now + inSeconds, "alice-" + tag);
    }

    /**
     * A token that lived 16 s and has 3..4 s left (exp is in whole seconds): a tenth of its lifetime
     * (2 s) is less than the 30 s margin, so it is renewed about 2 s before it expires, 1..2 s from now.
     */
    private static String expiringSoon() {
        long now = nowSec();
        return AccessTokenTest.jwt(now - 16, now + 4, "alice-short");
    }

    private static ObjectNode json() {
        return FrameCodec.mapper().createObjectNode();
    }

    /** The next connection, welcomed. */
    private FakeGateway.Connection welcomed() throws Exception {
        FakeGateway.Connection connection = gateway.nextConnection(WAIT);
        assertThat(connection).as("a connection").isNotNull();
        JsonNode hello = connection.next(WAIT);
        assertThat(hello.path("type").asText()).isEqualTo("hello");
        connection.send("w-" + System.nanoTime(), "welcome", hello.path("id").asText(), json().put("connectionId", "c")
                .put("deviceId", "laptop").put("trusted", true).put("heartbeatSec", 0).put("resumed", true).put("missed", 0));
        assertThat(device.awaitConnected(WAIT)).isTrue();
        return connection;
    }

    /** The next auth.refresh the device sends on {@code connection} (acks and the like skipped). */
    private static JsonNode nextRefresh(FakeGateway.Connection connection, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            JsonNode sent = left > 0 ? connection.poll(Duration.ofNanos(left)) : null;
            assertThat(sent).as("an auth.refresh within " + within).isNotNull();
            if (sent.path("type").asText().equals("auth.refresh")) {
                return sent;
            }
        }
    }

    private static void answerOk(FakeGateway.Connection connection, JsonNode refresh, long expiresAt) throws Exception {
        connection.send("ok-" + System.nanoTime(), "auth.ok", refresh.path("id").asText(), json().put("expiresAt", expiresAt));
    }

    private static void refuse(FakeGateway.Connection connection, JsonNode refresh) throws Exception {
        connection.send("e-" + System.nanoTime(), "error", refresh.path("id").asText(), json().put("code", "forbidden")
                .put("message", "not a valid token of this user").put("retryable", false));
    }

    @Test
    void aRefreshTheServerTakesIsTheTokenOfLaterConnections() throws Exception {
        String first = token(3600, "1");
        String second = token(7200, "2");
        start(first);
        FakeGateway.Connection connection = welcomed();
        assertThat(connection.authorization()).isEqualTo("Bearer " + first);

        CompletableFuture<AuthRefreshed> refreshed = device.refreshToken(second);
        JsonNode refresh = nextRefresh(connection, WAIT);
        assertThat(refresh.path("payload").path("token").asText()).isEqualTo(second);
        assertThat(refreshed).isNotDone();
        long expiresAt = nowSec() + 7200;
        answerOk(connection, refresh, expiresAt);
        assertThat(refreshed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).expiresAt()).isEqualTo(expiresAt);

        connection.close(1011);
        assertThat(welcomed().authorization()).as("the refreshed token opens the next connection").isEqualTo("Bearer " + second);
        assertThat(supplied.get()).as("no need to ask the supplier for a fresh token").isEqualTo(1);
    }

    @Test
    void aRefusedRefreshFailsAndTheConnectionKeepsItsToken() throws Exception {
        String first = token(3600, "1");
        start(first);
        FakeGateway.Connection connection = welcomed();

        CompletableFuture<AuthRefreshed> refreshed = device.refreshToken(token(3600, "bob"));
        refuse(connection, nextRefresh(connection, WAIT));
        assertThatThrownBy(() -> refreshed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(RccsErrorException.class, e -> assertThat(e.code()).isEqualTo("forbidden"));
        assertThat(device.isConnected()).isTrue();
        assertThat(connection.closeCodeFromClient()).as("a refused manual refresh leaves the connection be").isEqualTo(-1);

        connection.close(1011);
        assertThat(welcomed().authorization()).isEqualTo("Bearer " + first);
    }

    @Test
    void theTokenIsRenewedFromTheSupplierShortlyBeforeItExpires() throws Exception {
        long startedMs = System.currentTimeMillis();
        String shortLived = expiringSoon();
        String longLived = token(3600, "2");
        start(shortLived, longLived);
        FakeGateway.Connection connection = welcomed();
        long expiresMs = AccessToken.read(shortLived, java.time.Instant.now()).expiresAt().toEpochMilli();

        JsonNode refresh = nextRefresh(connection, WAIT);
        long refreshedMs = System.currentTimeMillis();
        assertThat(refresh.path("payload").path("token").asText()).isEqualTo(longLived);
        // the gateway closes a connection about 1 s before its token's exp
        assertThat(refreshedMs).as("renewed before the token expires").isLessThan(expiresMs - 1_000);
        assertThat(refreshedMs - startedMs).as("and not at once: a tenth of its lifetime before").isGreaterThanOrEqualTo(800);
        answerOk(connection, refresh, nowSec() + 3600);

        // renewed for an hour: nothing more to refresh for now, and the next connection takes the new token
        assertThat(connection.poll(Duration.ofMillis(1500))).as("no further refresh").isNull();
        connection.close(1011);
        assertThat(welcomed().authorization()).isEqualTo("Bearer " + longLived);
        assertThat(supplied.get()).isEqualTo(2);
    }

    @Test
    void aRefusedAutomaticRefreshReconnectsWithAFreshTokenBeforeTheOldExpires() throws Exception {
        String shortLived = expiringSoon();
        String refused = token(3600, "2");
        String fresh = token(3600, "3");
        start(shortLived, refused, fresh);
        FakeGateway.Connection connection = welcomed();
        long expiresMs = AccessToken.read(shortLived, java.time.Instant.now()).expiresAt().toEpochMilli();

        JsonNode refresh = nextRefresh(connection, WAIT);
        assertThat(refresh.path("payload").path("token").asText()).isEqualTo(refused);
        refuse(connection, refresh);

        FakeGateway.Connection next = welcomed();
        assertThat(System.currentTimeMillis()).as("reconnected before the old token expired").isLessThan(expiresMs - 1_000);
        assertThat(connection.closeCodeFromClient()).as("the device left by itself").isEqualTo(1000);
        assertThat(next.authorization()).isEqualTo("Bearer " + fresh);
    }

    @Test
    void aDeviceWithAFixedTokenConnectsWithItAndWithWhatRefreshReplacedItWith() throws Exception {
        String first = token(3600, "1");
        String second = token(7200, "2");
        device = RccsDevice.builder("laptop", List.of(gateway.url()), first)
                .onMessage(message -> { })
                .maxBackoff(Duration.ofMillis(200))
                .start();
        FakeGateway.Connection connection = welcomed();
        assertThat(connection.authorization()).isEqualTo("Bearer " + first);
        CompletableFuture<AuthRefreshed> refreshed = device.refreshToken(second);
        answerOk(connection, nextRefresh(connection, WAIT), nowSec() + 7200);
        refreshed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

        connection.close(1011);
        assertThat(welcomed().authorization()).isEqualTo("Bearer " + second);
    }
}
