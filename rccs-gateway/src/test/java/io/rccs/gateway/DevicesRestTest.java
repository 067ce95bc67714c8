package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.deviceId;
import static io.rccs.gateway.GatewayTestSupport.subject;
import static io.rccs.gateway.GatewayTestSupport.token;
import static io.rccs.gateway.RestTestSupport.assertProblem;
import static io.rccs.gateway.RestTestSupport.exchange;
import static io.rccs.gateway.RestTestSupport.json;
import static io.rccs.gateway.RestTestSupport.jsonBody;
import static io.rccs.gateway.RestTestSupport.response;
import static io.rccs.gateway.RestTestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.common.ServerFrames;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Devices;

/**
 * SPEC 4: {@code /v1/devices} on the gateway. A request becomes a frame of the user without a device
 * (connection id {@code rest-...}) on rccs.frames.in; the relay (played here) answers it on the
 * gateway's deliveries partition, and the answer completes the HTTP request. Errors are
 * application/problem+json.
 */
@QuarkusTest
class DevicesRestTest {

    @TestHTTPResource("/v1/devices")
    URI devices;

    @TestHTTPResource("/q/health/ready")
    URI ready;

    private URI device(String id) {
        return URI.create(devices + "/" + id);
    }

    private static HttpRequest.Builder withToken(URI uri) {
        return RestTestSupport.withToken(uri, "alice");
    }

    private static Devices.DeviceInfo info(String id, String name) {
        return new Devices.DeviceInfo(id, name, "desktop", "linux", List.of("notify@1"), true, "online", 1_700_000_000_000L);
    }

    private static void answerDevices(RelayDouble relay, InboundFrame request, Devices.DeviceInfo... infos) {
        relay.answer(request, ServerFrames.of(FrameType.DEVICES, request.frame().id(), new Devices(List.of(infos))));
    }

    @Test
    void withoutATokenItIs401() {
        HttpResponse<String> response = exchange(HttpRequest.newBuilder(devices).timeout(Duration.ofSeconds(30)).GET().build());
        assertThat(response.statusCode()).isEqualTo(401);
        HttpResponse<String> delete = exchange(HttpRequest.newBuilder(device("any")).timeout(Duration.ofSeconds(30)).DELETE().build());
        assertThat(delete.statusCode()).isEqualTo(401);
    }

    @Test
    void theListIsTheRelaysAnswer() {
        String sub = subject(token("alice"));
        String id = deviceId("gw-rest");
        try (RelayDouble relay = RelayDouble.open(ready)) {
            CompletableFuture<HttpResponse<String>> pending = send(withToken(URI.create(devices + "?kind=desktop&capability=notify@1&online=true"))
                    .GET().build());
            InboundFrame request = relay.request(sub, "devices.list");
            assertThat(request.frame().payload().path("kind").asText()).isEqualTo("desktop");
            assertThat(request.frame().payload().path("capability").asText()).isEqualTo("notify@1");
            assertThat(request.frame().payload().path("online").asBoolean()).isTrue();
            // an answer to the exchange under another user completes nothing (it comes first, so it would win)
            relay.deliver(Delivery.toConnection("someone-else", null, request.connectionId(), ServerFrames.of(FrameType.DEVICES,
                    request.frame().id(), new Devices(List.of(info(deviceId("gw-not-yours"), "not yours"))))));
            answerDevices(relay, request, info(id, "the desk"));

            HttpResponse<String> response = response(pending);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/json"));
            JsonNode body = json(response);
            assertThat(body.path("devices")).hasSize(1);
            JsonNode listed = body.path("devices").get(0);
            assertThat(listed.path("id").asText()).isEqualTo(id);
            assertThat(listed.path("name").asText()).isEqualTo("the desk");
            assertThat(listed.path("trusted").asBoolean()).isTrue();
            assertThat(listed.path("presence").asText()).isEqualTo("online");
            assertThat(listed.path("capabilities").get(0).asText()).isEqualTo("notify@1");
        }
    }

    @Test
    void oneDeviceIsTheRelaysAnswerAndNotFoundIsAProblem404() {
        String sub = subject(token("alice"));
        String id = deviceId("gw-rest");
        try (RelayDouble relay = RelayDouble.open(ready)) {
            CompletableFuture<HttpResponse<String>> found = send(withToken(device(id)).GET().build());
            InboundFrame request = relay.request(sub, "devices.list");
            assertThat(request.frame().payload().path("id").asText()).isEqualTo(id);
            answerDevices(relay, request, info(id, "the desk"));
            HttpResponse<String> response = response(found);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(json(response).path("id").asText()).isEqualTo(id);

            String missing = deviceId("gw-missing");
            CompletableFuture<HttpResponse<String>> notFound = send(withToken(device(missing)).GET().build());
            InboundFrame missingRequest = relay.request(sub, "devices.list");
            assertThat(missingRequest.frame().payload().path("id").asText()).isEqualTo(missing);
            relay.answer(missingRequest, ServerFrames.error(missingRequest.frame().id(), ErrorCode.NOT_FOUND, "no device '" + missing + "'"));
            HttpResponse<String> problem = response(notFound);
            assertProblem(problem, 404, "not_found");
            assertThat(json(problem).path("detail").asText()).contains(missing);

            // an empty list for one id is 404 too
            CompletableFuture<HttpResponse<String>> empty = send(withToken(device(missing)).GET().build());
            answerDevices(relay, relay.request(sub, "devices.list"));
            assertProblem(response(empty), 404, "not_found");
        }
    }

    @Test
    void deleteRevokesTheDeviceAnd204() {
        String sub = subject(token("alice"));
        String id = deviceId("gw-rest");
        try (RelayDouble relay = RelayDouble.open(ready)) {
            CompletableFuture<HttpResponse<String>> pending = send(withToken(device(id)).DELETE().build());
            InboundFrame request = relay.request(sub, "device.revoke");
            assertThat(request.frame().payload().path("deviceId").asText()).isEqualTo(id);
            answerDevices(relay, request, info(id, "the desk"));
            HttpResponse<String> response = response(pending);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(204);
            assertThat(response.body()).isEmpty();
        }
    }

    @Test
    void aNameTooLongIsA400WithoutAskingTheRelayAndARenameIsItsAnswer() {
        String sub = subject(token("alice"));
        String id = deviceId("gw-rest");
        String tooLong = "n".repeat(129);
        try (RelayDouble relay = RelayDouble.open(ready)) {
            HttpResponse<String> refused = response(send(withToken(device(id)).header("Content-Type", "application/json")
                    .method("PATCH", jsonBody("{\"name\":\"" + tooLong + "\"}")).build()));
            assertProblem(refused, 400, "bad_frame");
            assertThat(json(refused).path("detail").asText()).contains("name");

            CompletableFuture<HttpResponse<String>> pending = send(withToken(device(id)).header("Content-Type", "application/json")
                    .method("PATCH", jsonBody("{\"name\":\"the new name\"}")).build());
            InboundFrame request = relay.request(sub, "device.rename");
            assertThat(request.frame().payload().path("deviceId").asText()).isEqualTo(id);
            assertThat(request.frame().payload().path("name").asText()).isEqualTo("the new name");
            // the refused rename would have been published before this one (same user, same partition)
            assertThat(relay.framesIn().notTaken()).map(RelayDouble::inbound)
                    .noneMatch(inbound -> inbound != null && inbound.frame() != null && inbound.frame().is(FrameType.DEVICE_RENAME));
            answerDevices(relay, request, info(id, "the new name"));
            HttpResponse<String> response = response(pending);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode renamed = json(response);
            assertThat(renamed.path("id").asText()).isEqualTo(id);
            assertThat(renamed.path("name").asText()).isEqualTo("the new name");
        }
    }
}
