package io.rccs.e2e;

import static io.rccs.client.FrameMatcher.corr;
import static io.rccs.client.FrameMatcher.type;
import static io.rccs.e2e.Household.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.client.FrameMatcher;
import io.rccs.client.RccsClient;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.payload.ErrorPayload;
import io.rccs.model.protocol.payload.PairCode;
import io.rccs.model.protocol.payload.PairResult;
import io.rccs.model.protocol.payload.Welcome;

/**
 * Device identity, pairing, revocation and the devices REST API (SPEC 3.4, issue 6) on the live
 * stack: real Keycloak tokens, both gateways, the relay and the command queue.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DevicesIT {

    private static final Duration QUIET = Duration.ofSeconds(3);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    @DisplayName("the user's token alone cannot take over a device: the real one keeps its connection and its commands")
    void takeoverWithTheTokenAloneFails() {
        try (Household home = Household.fresh("takeover")) {
            RccsClient desk = home.trusted(0, "desk", List.of("roo.task@1"));
            RccsClient phone = home.trusted(1, "phone", List.of("notify"));

            // same user, same token, hello as the desk: without its credential, then with a made-up one
            RccsClient intruder = home.open(1);
            Frame noCredential = intruder.sendHello(RccsClient.helloPayload("desk", "fake desk", "desktop", List.of("roo.task@1"), null));
            ErrorPayload refused = error(intruder.await(corr(noCredential.id()).and(type("error").or(type("welcome"))), WAIT));
            assertThat(refused.code()).isEqualTo("forbidden");
            Frame wrongCredential = intruder.sendHello(RccsClient.helloPayload("desk", "fake desk", "desktop", List.of(), null,
                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
            assertThat(error(intruder.await(corr(wrongCredential.id()).and(type("error").or(type("welcome"))), WAIT)).code())
                    .isEqualTo("forbidden");
            assertThat(intruder.isOpen()).as("a refused hello keeps the connection open").isTrue();

            // the real desk was not replaced, still gets messages and commands
            assertThat(desk.isOpen()).as("the real desk's connection").isTrue();
            Frame message = phone.send("message", "desk", Map.of("text", "still you?"));
            assertThat(desk.await(type("message").and(FrameMatcher.id(message.id())), WAIT).from()).isEqualTo("phone");
            Frame submit = phone.send("command.submit", "desk", Map.of("name", "roo.task.run", "requires", List.of("roo.task@1")));
            String commandId = phone.await(corr(submit.id()).and(type("command.status")), WAIT).payload().path("commandId").asText();
            desk.await(type("command").and(FrameMatcher.payload("commandId", commandId)), WAIT);
            assertThat(intruder.nothingMatching(type("message").or(type("command")), QUIET)).isTrue();

            // the real desk proves itself on a new connection with its credential
            RccsClient deskAgain = home.open(1);
            assertThat(home.connect(deskAgain, "desk", "desktop", List.of("roo.task@1")).trusted()).isTrue();
            assertThat(desk.closed()).succeedsWithin(WAIT).isEqualTo(4409);
        }
    }

    @Test
    @DisplayName("pairing: start, claim from the other gateway, request, approve, result; then the device messages both ways; deny leaves pending")
    void fullPairingAndDeny() {
        try (Household home = Household.fresh("pairing")) {
            RccsClient desk = home.trusted(0, "desk", List.of());
            RccsClient phone = home.open(1);
            Welcome pending = home.connect(phone, "phone", "mobile", List.of("notify"));
            assertThat(pending.trusted()).as("a later device is pending").isFalse();
            assertThat(pending.credential()).as("and has its credential").isNotBlank();

            PairCode code = home.startPairing();
            assertThat(code.code()).matches("[ACDEFGHJKMNPQRTUVWXY34679]{8}");
            assertThat(code.uri()).isEqualTo("rccs://pair?code=" + code.code());
            phone.send("pair.claim", null, Map.of("code", code.code()));
            Frame request = desk.await(type("pair.request"), WAIT);
            assertThat(request.payload().path("deviceId").asText()).isEqualTo("phone");
            assertThat(request.payload().path("kind").asText()).isEqualTo("mobile");
            Frame approve = desk.send("pair.approve", null, Map.of("claimId", request.payload().path("claimId").asText()));
            desk.await(corr(approve.id()).and(type("pair.result")), WAIT);
            PairResult result = RccsClient.payload(phone.await(type("pair.result"), WAIT), PairResult.class);
            assertThat(result).isEqualTo(new PairResult("phone", true));

            Frame toDesk = phone.send("message", "desk", Map.of("text", "paired"));
            desk.await(FrameMatcher.id(toDesk.id()), WAIT);
            Frame toPhone = desk.send("message", "phone", Map.of("text", "welcome"));
            phone.await(FrameMatcher.id(toPhone.id()), WAIT);

            RccsClient tablet = home.open(0);
            assertThat(home.connect(tablet, "tablet", "mobile", List.of()).trusted()).isFalse();
            assertThat(home.pair(tablet, "tablet", false)).isEqualTo(new PairResult("tablet", false));
            Frame list = tablet.send("devices.list", null, Map.of());
            assertThat(error(tablet.await(corr(list.id()), WAIT)).code()).as("denied: still pending").isEqualTo("not_trusted");
        }
    }

    @Test
    @DisplayName("a pending device gets not_trusted for message, command.submit, command.cancel, devices.list and receives nothing")
    void pendingDeviceIsIsolated() {
        try (Household home = Household.fresh("pending")) {
            RccsClient desk = home.trusted(0, "desk", List.of("roo.task@1"));
            RccsClient pending = home.open(1);
            home.connect(pending, "stranger", "desktop", List.of("roo.task@1"));

            for (Frame frame : List.of(
                    pending.send("message", "desk", Map.of("text", "let me in")),
                    pending.send("command.submit", "desk", Map.of("name", "x")),
                    pending.send("command.cancel", null, Map.of("commandId", "00000000-0000-0000-0000-000000000000")),
                    pending.send("devices.list", null, Map.of()))) {
                assertThat(error(pending.await(corr(frame.id()), WAIT)).code()).as("answer to %s", frame.type()).isEqualTo("not_trusted");
            }
            assertThat(desk.nothingMatching(type("message"), Duration.ofSeconds(1))).isTrue();

            // nothing reaches it: a broadcast, a message and a command addressed to it, presence changes
            desk.send("message", null, Map.of("text", "broadcast"));
            Frame direct = desk.send("message", "stranger", Map.of("text", "for you?"));
            Frame directAnswer = desk.await(corr(direct.id()).and(type("error")), WAIT);
            assertThat(error(directAnswer).code()).isEqualTo("not_trusted");
            Frame submit = desk.send("command.submit", "stranger", Map.of("name", "x"));
            desk.await(corr(submit.id()), WAIT);
            RccsClient other = home.trusted(0, "laptop", List.of());
            other.close();
            assertThat(pending.nothingMatching(type("message").or(type("command")).or(type("presence")).or(type("pair.request")), QUIET))
                    .as("the pending device received: %s", pending.received()).isTrue();
        }
    }

    @Test
    @DisplayName("pairing codes: expired, reused, another user's, and too many wrong claims each get their clear error")
    void badPairingCodes() {
        try (Household alice = Household.fresh("alice"); Household bob = Household.fresh("bob")) {
            alice.trusted(0, "desk", List.of());
            RccsClient phone = alice.open(1);
            alice.connect(phone, "phone", "mobile", List.of());
            RccsClient tablet = alice.open(0);
            alice.connect(tablet, "tablet", "mobile", List.of());
            bob.trusted(0, "desk", List.of());
            RccsClient bobsPhone = bob.open(1);
            bob.connect(bobsPhone, "phone", "mobile", List.of());

            // reused: the phone's claim is pending a decision; the tablet tries the same code
            PairCode code = alice.startPairing();
            phone.send("pair.claim", null, Map.of("code", code.code()));
            alice.first().await(type("pair.request"), WAIT);
            assertThat(claim(tablet, code.code())).extracting(ErrorPayload::code, ErrorPayload::message)
                    .containsExactly("conflict", "this pairing code was already used");

            // another user's code is not found (and counts as a wrong guess for bob)
            PairCode second = alice.startPairing();
            assertThat(claim(bobsPhone, second.code())).extracting(ErrorPayload::code, ErrorPayload::message)
                    .containsExactly("not_found", "no such pairing code");

            // expired: the e2e stack runs with 12 s codes (./rccs test); wait for it to pass
            long expiresIn = second.expiresAt() - System.currentTimeMillis();
            assertThat(expiresIn).as("the e2e stack's code lifetime (RCCS_RELAY_PAIRING_CODE_TTL)").isLessThan(30_000);
            Devices.sleep(Math.max(0, expiresIn) + 1_000);
            assertThat(claim(tablet, second.code())).extracting(ErrorPayload::code, ErrorPayload::message)
                    .containsExactly("conflict", "this pairing code expired: ask for a new one");

            // bob guesses four more times, then even his own valid code is refused
            for (int i = 0; i < 4; i++) {
                assertThat(claim(bobsPhone, "GUESS" + i).code()).isEqualTo("not_found");
            }
            PairCode bobsCode = bob.startPairing();
            ErrorPayload limited = claim(bobsPhone, bobsCode.code());
            assertThat(limited.code()).isEqualTo("rate_limited");
            assertThat(limited.message()).contains("too many wrong pairing codes");
        }
    }

    @Test
    @DisplayName("revoking over REST closes the device's socket within 1 s and its credential stops working")
    void revokeOverRest() throws Exception {
        try (Household home = Household.fresh("revoke")) {
            home.trusted(0, "desk", List.of());
            RccsClient laptop = home.trusted(1, "laptop", List.of());
            String credential = home.credentialOf("laptop");
            assertThat(credential).isNotBlank();

            long start = System.nanoTime();
            HttpResponse<String> deleted = rest(home.token(), "DELETE", "/v1/devices/laptop", null);
            assertThat(deleted.statusCode()).as("DELETE answer %s", deleted.body()).isEqualTo(204);
            assertThat(laptop.closed()).succeedsWithin(Duration.ofSeconds(1)).isEqualTo(4403);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("revoke: DELETE sent -> socket closed in %d ms%n", millis);

            RccsClient again = home.open(0);
            Frame hello = again.sendHello(RccsClient.helloPayload("laptop", "laptop", "desktop", List.of(), null, credential));
            ErrorPayload refused = error(again.await(corr(hello.id()).and(type("error").or(type("welcome"))), WAIT));
            assertThat(refused).extracting(ErrorPayload::code, ErrorPayload::message)
                    .containsExactly("forbidden", "device 'laptop' was revoked");
            assertThat(rest(home.token(), "GET", "/v1/devices/laptop", null).statusCode()).isEqualTo(404);
            assertThat(rest(home.token(), "DELETE", "/v1/devices/laptop", null).statusCode()).as("revoked again")
                    .isIn(204, 404);
        }
    }

    @Test
    @DisplayName("REST never shows or changes another user's device")
    void restIsPerUser() throws Exception {
        try (Household alice = Household.fresh("alice"); Household bob = Household.fresh("bob")) {
            alice.trusted(0, "alices-desk", List.of("roo.task@1"));
            bob.trusted(1, "bobs-desk", List.of());

            HttpResponse<String> mine = rest(alice.token(), "GET", "/v1/devices", null);
            assertThat(mine.statusCode()).isEqualTo(200);
            JsonNode devices = FrameCodec.mapper().readTree(mine.body()).path("devices");
            assertThat(devices).hasSize(1);
            assertThat(devices.get(0).path("id").asText()).isEqualTo("alices-desk");
            assertThat(devices.get(0).path("presence").asText()).isEqualTo("online");
            assertThat(rest(alice.token(), "GET", "/v1/devices?capability=roo.task@2", null).body()).doesNotContain("alices-desk");
            assertThat(rest(alice.token(), "GET", "/v1/devices?capability=roo.task", null).body()).contains("alices-desk");

            for (String[] call : new String[][] {{"GET", "/v1/devices/alices-desk", null}, {"PATCH", "/v1/devices/alices-desk",
                    "{\"name\":\"bob was here\"}"}, {"DELETE", "/v1/devices/alices-desk", null}}) {
                HttpResponse<String> answer = rest(bob.token(), call[0], call[1], call[2]);
                assertThat(answer.statusCode()).as("bob's %s %s: %s", call[0], call[1], answer.body()).isEqualTo(404);
                assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(
                        value -> assertThat(value).startsWith("application/problem+json"));
            }
            assertThat(rest(bob.token(), "GET", "/v1/devices", null).body()).doesNotContain("alices-desk");

            JsonNode still = FrameCodec.mapper().readTree(rest(alice.token(), "GET", "/v1/devices/alices-desk", null).body());
            assertThat(still.path("name").asText()).isEqualTo("alices-desk of " + alice.user());
            assertThat(alice.first().isOpen()).as("bob's DELETE did not close alice's desk").isTrue();

            HttpResponse<String> renamed = rest(alice.token(), "PATCH", "/v1/devices/alices-desk", "{\"name\":\"Desk\"}");
            assertThat(renamed.statusCode()).isEqualTo(200);
            assertThat(FrameCodec.mapper().readTree(renamed.body()).path("name").asText()).isEqualTo("Desk");
        }
    }

    private static ErrorPayload claim(RccsClient device, String code) {
        Frame claim = device.send("pair.claim", null, Map.of("code", code));
        return error(device.await(corr(claim.id()), WAIT));
    }

    private static ErrorPayload error(Frame frame) {
        assertThat(frame.type()).as("expected an error, got %s", frame).isEqualTo("error");
        return RccsClient.payload(frame, ErrorPayload.class);
    }

    /** A REST call on the first gateway (the same base URL as the WebSocket). */
    static HttpResponse<String> rest(String token, String method, String path, String json) throws IOException, InterruptedException {
        URI base = URI.create(Stack.gateway(0).toString().replaceFirst("^ws", "http").replace("/v1/connect", ""));
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(WAIT)
                .header("Authorization", "Bearer " + token);
        request.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
