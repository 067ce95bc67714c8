package io.rccs.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.payload.PairCode;
import io.rccs.model.protocol.payload.PairResult;

/** {@link RccsDevice} against a scripted gateway: credentials, refusals, trust and pairing. */
class RccsDeviceCredentialTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private FakeGateway gateway;
    private RccsDevice device;
    private final List<Frame> others = new CopyOnWriteArrayList<>();

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

    private RccsDevice start(CredentialStore store) {
        RccsDevice.Builder builder = RccsDevice.builder("laptop", List.of(gateway.url()), () -> "token")
                .onMessage(message -> { })
                .onOtherFrame(others::add)
                .maxBackoff(Duration.ofMillis(200));
        if (store != null) {
            builder.credentialStore(store);
        }
        device = builder.start();
        return device;
    }

    private static ObjectNode json() {
        return FrameCodec.mapper().createObjectNode();
    }

    private static ObjectNode welcome(boolean trusted, String credential) {
        ObjectNode welcome = json().put("connectionId", "c").put("deviceId", "laptop").put("trusted", trusted)
                .put("heartbeatSec", 0).put("resumed", true).put("missed", 0);
        if (credential != null) {
            welcome.put("credential", credential);
        }
        return welcome;
    }

    private static ObjectNode error(String code, boolean retryable) {
        return json().put("code", code).put("message", code + " for the test").put("retryable", retryable);
    }

    /** Takes the connection's hello and welcomes it. */
    private FakeGateway.Connection welcomed(boolean trusted, String credential, JsonNode[] helloOut) throws Exception {
        FakeGateway.Connection connection = gateway.nextConnection(WAIT);
        assertThat(connection).as("a connection").isNotNull();
        JsonNode hello = connection.next(WAIT);
        assertThat(hello.path("type").asText()).isEqualTo("hello");
        if (helloOut != null) {
            helloOut[0] = hello;
        }
        connection.send("w-" + System.nanoTime(), "welcome", hello.path("id").asText(), welcome(trusted, credential));
        assertThat(device.awaitConnected(WAIT)).isTrue();
        return connection;
    }

    @Test
    void theIssuedCredentialIsSavedAndProvesTheDeviceOnReconnect() throws Exception {
        InMemoryCredentialStore store = new InMemoryCredentialStore();
        start(store);
        JsonNode[] hello = new JsonNode[1];
        FakeGateway.Connection first = welcomed(true, "issued-credential_1", hello);
        // a first hello carries a credential the device made and saved before sending it (a lost welcome loses nothing)
        assertThat(hello[0].path("payload").path("credential").asText()).matches("[A-Za-z0-9_-]{43}");
        // one the server issues in the welcome replaces it
        assertThat(store.load()).contains("issued-credential_1");
        assertThat(device.trusted()).isTrue();

        first.close(1011); // the gateway went away
        welcomed(true, null, hello);
        assertThat(hello[0].path("payload").path("credential").asText()).isEqualTo("issued-credential_1");
        assertThat(device.reconnects()).isEqualTo(1);
    }

    @Test
    void aDeviceWithoutAStoreStillKeepsItsCredentialInMemory() throws Exception {
        start(null);
        welcomed(true, "kept", null).close(1011);
        JsonNode[] hello = new JsonNode[1];
        welcomed(true, null, hello);
        assertThat(hello[0].path("payload").path("credential").asText()).isEqualTo("kept");
    }

    @Test
    void aStoreThatCannotSaveDoesNotLoseTheCredentialInThisProcess() throws Exception {
        CredentialStore broken = new CredentialStore() {
            @Override
            public java.util.Optional<String> load() {
                return java.util.Optional.empty();
            }

            @Override
            public void save(String credential) {
                throw new IllegalStateException("disk full");
            }

            @Override
            public void clear() {
            }
        };
        start(broken);
        welcomed(true, "unsaved", null).close(1011);
        JsonNode[] hello = new JsonNode[1];
        welcomed(true, null, hello);
        assertThat(hello[0].path("payload").path("credential").asText()).isEqualTo("unsaved");
    }

    @Test
    void aForbiddenHelloStopsTheDeviceForGood() throws Exception {
        start(new InMemoryCredentialStore("stale"));
        FakeGateway.Connection connection = gateway.nextConnection(WAIT);
        JsonNode hello = connection.next(WAIT);
        assertThat(hello.path("payload").path("credential").asText()).isEqualTo("stale");
        connection.send("e-1", "error", hello.path("id").asText(), error("forbidden", false));

        assertThatThrownBy(() -> device.stopped().get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(RccsErrorException.class, refusal -> {
                    assertThat(refusal.code()).isEqualTo("forbidden");
                    assertThat(refusal.getMessage()).contains("hello of laptop was refused", "forbidden for the test");
                });
        assertThat(others).extracting(Frame::type).containsExactly("error");
        assertThat(gateway.nextConnection(Duration.ofMillis(700))).as("no retry").isNull();
        assertThat(device.pairStart()).isCompletedExceptionally();
    }

    @Test
    void aRevokedDeviceStops() throws Exception {
        start(null);
        welcomed(true, "c", null).close(RccsDevice.REVOKED);
        assertThat(device.stopped().get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(RccsDevice.REVOKED);
        assertThat(gateway.nextConnection(Duration.ofMillis(500))).isNull();
    }

    @Test
    void aPendingDeviceGetsNotTrustedOnceAndPairsByClaimingACode() throws Exception {
        start(null);
        FakeGateway.Connection connection = welcomed(false, "c", null);
        assertThat(device.trusted()).isFalse();

        Frame message = device.send("message", "phone", java.util.Map.of("text", "hi"));
        JsonNode sent = connection.next(WAIT);
        assertThat(sent.path("id").asText()).isEqualTo(message.id());
        // even a server that calls it retryable: a pending device stays pending until a person acts
        connection.send("e-1", "error", message.id(), error("not_trusted", true));
        assertThat(connection.poll(Duration.ofMillis(700))).as("not sent again").isNull();
        assertThat(others).extracting(Frame::type).containsExactly("welcome", "error");

        CompletableFuture<PairResult> claimed = device.pairClaim("acde-fghj");
        JsonNode claim = connection.next(WAIT);
        assertThat(claim.path("type").asText()).isEqualTo("pair.claim");
        assertThat(claim.path("payload").path("code").asText()).isEqualTo("ACDEFGHJ");
        assertThat(claimed).isNotDone();

        connection.send("r-1", "pair.result", null, json().put("deviceId", "laptop").put("approved", true));
        assertThat(claimed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(new PairResult("laptop", true));
        assertThat(device.trusted()).isTrue();
        // the future completes before the handler sees the frame, on the device's thread
        awaitFrameOfType("pair.result");
    }

    private void awaitFrameOfType(String type) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (others.stream().noneMatch(frame -> frame.type().equals(type))) {
            assertThat(System.nanoTime()).as("a " + type + " handed to the application").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    @Test
    void aRefusedClaimFailsItsFuture() throws Exception {
        start(null);
        FakeGateway.Connection connection = welcomed(false, "c", null);
        CompletableFuture<PairResult> claimed = device.pairClaim("rccs://pair?code=ACDEFGHJ");
        JsonNode claim = connection.next(WAIT);
        assertThat(claim.path("payload").path("code").asText()).isEqualTo("ACDEFGHJ");
        connection.send("e-1", "error", claim.path("id").asText(), error("not_found", false));
        assertThatThrownBy(() -> claimed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .cause().isInstanceOfSatisfying(RccsErrorException.class, e -> assertThat(e.code()).isEqualTo("not_found"));
        assertThat(device.trusted()).isFalse();
    }

    @Test
    void aTrustedDeviceStartsPairingAndDecidesClaims() throws Exception {
        start(null);
        FakeGateway.Connection connection = welcomed(true, "c", null);

        CompletableFuture<PairCode> code = device.pairStart();
        JsonNode start = connection.next(WAIT);
        assertThat(start.path("type").asText()).isEqualTo("pair.start");
        connection.send("s-1", "pair.code", start.path("id").asText(), json().put("code", "ACDEFGHJ")
                .put("expiresAt", 1_800_000_000_000L).put("uri", "rccs://pair?code=ACDEFGHJ"));
        assertThat(code.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isEqualTo(new PairCode("ACDEFGHJ", 1_800_000_000_000L, "rccs://pair?code=ACDEFGHJ"));

        connection.send("s-2", "pair.request", null, json().put("claimId", "claim-1").put("deviceId", "phone")
                .put("name", "Phone").put("kind", "mobile").put("platform", "android"));
        CompletableFuture<PairResult> approved = device.pairApprove("claim-1");
        JsonNode approve = connection.next(WAIT);
        assertThat(approve.path("type").asText()).isEqualTo("pair.approve");
        assertThat(approve.path("payload").path("claimId").asText()).isEqualTo("claim-1");
        connection.send("s-3", "pair.result", approve.path("id").asText(), json().put("deviceId", "phone").put("approved", true));
        assertThat(approved.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(new PairResult("phone", true));
        awaitFrameOfType("pair.result");
        assertThat(others).extracting(Frame::type).contains("pair.request", "pair.code");

        CompletableFuture<PairResult> denied = device.pairDeny("claim-2");
        JsonNode deny = connection.next(WAIT);
        assertThat(deny.path("type").asText()).isEqualTo("pair.deny");
        connection.send("s-4", "error", deny.path("id").asText(), error("not_found", false));
        assertThatThrownBy(() -> denied.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .cause().isInstanceOf(RccsErrorException.class);
    }

    @Test
    void anAnswerLostWithItsConnectionFailsTheFuture() throws Exception {
        start(null);
        FakeGateway.Connection connection = welcomed(true, "c", null);
        CompletableFuture<PairCode> code = device.pairStart();
        connection.next(WAIT); // pair.start went out; the gateway dies before answering
        connection.close(1011);
        assertThatThrownBy(() -> code.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .cause().hasMessageContaining("connection was lost");
    }
}
