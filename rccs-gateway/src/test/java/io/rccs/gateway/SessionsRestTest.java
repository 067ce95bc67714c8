package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.deviceId;
import static io.rccs.gateway.GatewayTestSupport.subject;
import static io.rccs.gateway.GatewayTestSupport.token;
import static io.rccs.gateway.RestTestSupport.assertJson;
import static io.rccs.gateway.RestTestSupport.assertProblem;
import static io.rccs.gateway.RestTestSupport.exchange;
import static io.rccs.gateway.RestTestSupport.json;
import static io.rccs.gateway.RestTestSupport.response;
import static io.rccs.gateway.RestTestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.common.ServerFrames;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.SessionInfo;
import io.rccs.model.protocol.payload.Sessions;
import io.rccs.model.protocol.payload.State;

/**
 * SPEC 3.5 and 4: {@code /v1/sessions} on the gateway. A request becomes a {@code session.list} or
 * {@code state.get} frame of the token's user without a device on rccs.frames.in; the relay (played
 * here) answers it on the gateway's deliveries partition. Errors are application/problem+json.
 */
@QuarkusTest
class SessionsRestTest {

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    @TestHTTPResource("/q/health/ready")
    URI ready;

    @TestHTTPResource("/q/openapi?format=json")
    URI openapi;

    private URI session(String id) {
        return URI.create(sessions + "/" + id);
    }

    private static HttpRequest.Builder asAlice(URI uri) {
        return RestTestSupport.withToken(uri, "alice");
    }

    private static String newSessionId() {
        return "ses-" + UUID.randomUUID();
    }

    private static SessionInfo info(String session, String name, String status, String owner, long version) {
        return new SessionInfo(session, name, status, owner, version, List.of("roo.task@1"), true, 30, List.of(owner, "phone-1"),
                null, 1_700_000_000_000L, 1_700_000_060_000L);
    }

    /** The token's header and claims under a signature its issuer never made. */
    private static String withForeignSignature(String token) {
        String signedPart = token.substring(0, token.lastIndexOf('.') + 1);
        return signedPart + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[256]);
    }

    @Test
    void withoutAValidTokenItIs401() {
        for (URI uri : List.of(sessions, session(newSessionId()))) {
            HttpResponse<String> anonymous = exchange(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build());
            assertThat(anonymous.statusCode()).as("without a token: " + uri).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                    challenge -> assertThat(challenge).startsWith("Bearer"));
            HttpResponse<String> forged = exchange(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + withForeignSignature(token("alice"))).GET().build());
            assertThat(forged.statusCode()).as("with alice's token under another signature: " + uri).isEqualTo(401);
        }
    }

    @Test
    void theListIsTheRelaysAnswerOpenOnesUnlessClosedIsAsked() {
        String sub = subject(token("alice"));
        String owner = deviceId("gw-ses");
        String first = newSessionId();
        String second = newSessionId();
        try (RelayDouble relay = RelayDouble.open(ready)) {
            CompletableFuture<HttpResponse<String>> open = send(asAlice(sessions).GET().build());
            InboundFrame request = relay.request(sub, "session.list");
            assertThat(request.frame().payload().path("closed").asBoolean(false)).as("closed ones are not asked for").isFalse();
            relay.answer(request, ServerFrames.of(FrameType.SESSIONS, request.frame().id(),
                    new Sessions(List.of(info(first, "fix the build", "open", owner, 7), info(second, "write docs", "open", owner, 1)))));

            JsonNode body = assertJson(response(open), 200);
            assertThat(body.path("sessions")).hasSize(2);
            JsonNode listed = body.path("sessions").get(0);
            assertThat(listed.path("session").asText()).isEqualTo(first);
            assertThat(listed.path("name").asText()).isEqualTo("fix the build");
            assertThat(listed.path("status").asText()).isEqualTo("open");
            assertThat(listed.path("owner").asText()).isEqualTo(owner);
            assertThat(listed.path("version").asLong()).isEqualTo(7);
            assertThat(listed.path("requires").get(0).asText()).isEqualTo("roo.task@1");
            assertThat(listed.path("failover").asBoolean()).isTrue();
            assertThat(listed.path("graceSec").asInt()).isEqualTo(30);
            assertThat(listed.path("members")).hasSize(2);
            assertThat(listed.path("createdAt").asLong()).isEqualTo(1_700_000_000_000L);
            assertThat(listed.path("updatedAt").asLong()).isEqualTo(1_700_000_060_000L);
            assertThat(listed.has("document")).as("the list has no documents").isFalse();
            assertThat(body.path("sessions").get(1).path("session").asText()).isEqualTo(second);

            CompletableFuture<HttpResponse<String>> withClosed = send(asAlice(URI.create(sessions + "?closed=true")).GET().build());
            InboundFrame closedRequest = relay.request(sub, "session.list");
            assertThat(closedRequest.frame().payload().path("closed").asBoolean(false)).as("closed ones are asked for").isTrue();
            relay.answer(closedRequest, ServerFrames.of(FrameType.SESSIONS, closedRequest.frame().id(),
                    new Sessions(List.of(info(first, "fix the build", "closed", owner, 8)))));
            JsonNode all = assertJson(response(withClosed), 200);
            assertThat(all.path("sessions")).hasSize(1);
            assertThat(all.path("sessions").get(0).path("status").asText()).isEqualTo("closed");

            // no sessions at all is an empty list, not a 404
            CompletableFuture<HttpResponse<String>> none = send(asAlice(sessions).GET().build());
            InboundFrame noneRequest = relay.request(sub, "session.list");
            relay.answer(noneRequest, ServerFrames.of(FrameType.SESSIONS, noneRequest.frame().id(), new Sessions(List.of())));
            assertThat(assertJson(response(none), 200).path("sessions").isArray()).isTrue();
        }
    }

    @Test
    void theUserIsTheTokensAndTheirSessionIsItsDocumentAtItsVersion() throws Exception {
        String bob = subject(token("bob"));
        assertThat(bob).isNotEqualTo(subject(token("alice")));
        String id = newSessionId();
        String owner = deviceId("gw-ses");
        JsonNode document = FrameCodec.mapper().readTree("{\"task\":\"fix the build\",\"steps\":[\"compile\",\"test\"],\"done\":false}");
        try (RelayDouble relay = RelayDouble.open(ready)) {
            CompletableFuture<HttpResponse<String>> pending = send(RestTestSupport.withToken(session(id), "bob").GET().build());
            InboundFrame request = relay.request(bob, "state.get");
            assertThat(request.frame().payload().path("session").asText()).isEqualTo(id);
            relay.answer(request, ServerFrames.of(FrameType.STATE, request.frame().id(), new State(id, 12, owner, "open", null, document)));

            JsonNode state = assertJson(response(pending), 200);
            assertThat(state.path("session").asText()).isEqualTo(id);
            assertThat(state.path("version").asLong()).isEqualTo(12);
            assertThat(state.path("owner").asText()).isEqualTo(owner);
            assertThat(state.path("status").asText()).isEqualTo("open");
            assertThat(state.path("document")).isEqualTo(document);
            assertThat(state.has("ops")).as("a whole state has no ops").isFalse();
        }
    }

    @Test
    void aSessionTheRelayDoesNotKnowIsAProblem404AndItsOtherRefusalsKeepTheirCodes() {
        String sub = subject(token("alice"));
        String missing = newSessionId();
        try (RelayDouble relay = RelayDouble.open(ready)) {
            CompletableFuture<HttpResponse<String>> notFound = send(asAlice(session(missing)).GET().build());
            InboundFrame request = relay.request(sub, "state.get");
            assertThat(request.frame().payload().path("session").asText()).isEqualTo(missing);
            relay.answer(request, ServerFrames.error(request.frame().id(), ErrorCode.NOT_FOUND, "you have no session '" + missing + "'"));
            assertThat(assertProblem(response(notFound), 404, "not_found").path("detail").asText()).contains(missing);

            CompletableFuture<HttpResponse<String>> busy = send(asAlice(sessions).GET().build());
            InboundFrame busyRequest = relay.request(sub, "session.list");
            relay.answer(busyRequest, ServerFrames.error(busyRequest.frame().id(), ErrorCode.UNAVAILABLE, "the database is away"));
            HttpResponse<String> unavailable = response(busy);
            assertProblem(unavailable, 503, "unavailable");
            assertThat(unavailable.headers().firstValue("Retry-After")).as("a retryable problem says when").isPresent();

            // an answer the relay never gives to state.get is its fault, not the caller's
            CompletableFuture<HttpResponse<String>> odd = send(asAlice(session(missing)).GET().build());
            InboundFrame oddRequest = relay.request(sub, "state.get");
            relay.answer(oddRequest, ServerFrames.of(FrameType.SESSIONS, oddRequest.frame().id(), new Sessions(List.of())));
            assertThat(assertProblem(response(odd), 503, "unavailable").path("detail").asText()).contains("device service");
        }
    }

    @Test
    void aSessionIdTooLongOrClosedNotABooleanIsA400WithoutAskingTheRelay() {
        String sub = subject(token("alice"));
        try (RelayDouble relay = RelayDouble.open(ready)) {
            HttpResponse<String> refused = exchange(asAlice(session("s".repeat(65))).GET().build());
            assertThat(assertProblem(refused, 400, "bad_frame").path("detail").asText()).contains("session");
            // JAX-RS alone would read "yes" as false and leave the closed sessions out without a word
            HttpResponse<String> notABoolean = exchange(asAlice(URI.create(sessions + "?closed=yes")).GET().build());
            assertThat(assertProblem(notABoolean, 400, "bad_frame").path("detail").asText()).contains("closed");

            CompletableFuture<HttpResponse<String>> openOnes = send(asAlice(URI.create(sessions + "?closed=false")).GET().build());
            InboundFrame listRequest = relay.request(sub, "session.list");
            assertThat(listRequest.frame().payload().path("closed").asBoolean(true)).isFalse();
            assertThat(relay.framesIn().notTaken()).map(RelayDouble::inbound)
                    .noneMatch(inbound -> inbound != null && sub.equals(inbound.userId()) && inbound.deviceId() == null
                            && inbound.frame() != null && inbound.frame().is(FrameType.SESSION_LIST));
            relay.answer(listRequest, ServerFrames.of(FrameType.SESSIONS, listRequest.frame().id(), new Sessions(List.of())));
            assertJson(response(openOnes), 200);

            String id = newSessionId();
            CompletableFuture<HttpResponse<String>> good = send(asAlice(session(id)).GET().build());
            InboundFrame request = relay.request(sub, "state.get");
            assertThat(request.frame().payload().path("session").asText()).isEqualTo(id);
            // the refused one would have been published before this one (same user, same partition)
            assertThat(relay.framesIn().notTaken()).map(RelayDouble::inbound)
                    .noneMatch(inbound -> inbound != null && sub.equals(inbound.userId()) && inbound.deviceId() == null
                            && inbound.frame() != null && inbound.frame().is(FrameType.STATE_GET));
            relay.answer(request, ServerFrames.error(request.frame().id(), ErrorCode.NOT_FOUND, "you have no session '" + id + "'"));
            assertProblem(response(good), 404, "not_found");
        }
    }

    @Test
    void theEndpointsAreInTheOpenApiDocument() {
        HttpResponse<String> response = exchange(HttpRequest.newBuilder(openapi).timeout(Duration.ofSeconds(30)).GET().build());
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode paths = json(response).path("paths");
        JsonNode closed = paths.path("/v1/sessions").path("get").path("parameters").get(0);
        assertThat(closed.path("name").asText()).isEqualTo("closed");
        assertThat(closed.path("schema").path("type").asText()).isEqualTo("boolean");
        assertThat(paths.path("/v1/sessions").path("get").path("responses").path("200").path("content").path("application/json")
                .path("schema").path("$ref").asText()).endsWith("/Sessions");
        assertThat(paths.path("/v1/sessions/{id}").path("get").path("responses").has("404")).isTrue();
        assertThat(paths.path("/v1/sessions/{id}").path("get").path("tags").get(0).asText()).isEqualTo("sessions");
    }
}
