package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.deviceId;
import static io.rccs.gateway.GatewayTestSupport.subject;
import static io.rccs.gateway.GatewayTestSupport.token;
import static io.rccs.gateway.RestTestSupport.assertJson;
import static io.rccs.gateway.RestTestSupport.assertProblem;
import static io.rccs.gateway.RestTestSupport.exchange;
import static io.rccs.gateway.RestTestSupport.jsonBody;
import static io.rccs.gateway.RestTestSupport.response;
import static io.rccs.gateway.RestTestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.CommandStatus;
import io.rccs.model.protocol.payload.CommandView;
import io.rccs.model.protocol.payload.CommandsPage;

/**
 * SPEC 3.3 and 4: {@code /v1/commands} on the gateway. A request becomes a frame of the user without
 * a device on rccs.commands.in; the command queue (played here) answers it on the gateway's
 * deliveries partition. A submit's Idempotency-Key is the frame's id; what the codec would refuse is
 * a 400 problem without asking the queue.
 */
@QuarkusTest
class CommandsRestTest {

    @TestHTTPResource("/v1/commands")
    URI commands;

    @TestHTTPResource("/q/health/ready")
    URI ready;

    private URI command(String id) {
        return URI.create(commands + "/" + id);
    }

    private static HttpRequest.Builder asAlice(URI uri) {
        return RestTestSupport.withToken(uri, "alice");
    }

    private HttpRequest submit(String body, String idempotencyKey) {
        HttpRequest.Builder request = asAlice(commands).header("Content-Type", "application/json").POST(jsonBody(body));
        return (idempotencyKey == null ? request : request.header("Idempotency-Key", idempotencyKey)).build();
    }

    static CommandView view(String commandId, String status) {
        long now = System.currentTimeMillis();
        return new CommandView(commandId, "a-user", "roo.task.run", null, "normal", status, "@rest", "desk-1", List.of(), 1, 10,
                null, now + 86_400_000L, 86_400, now, now, null, null, null, null, 3);
    }

    private static String newCommandId() {
        return "cmd-" + UUID.randomUUID();
    }

    @Test
    void withoutATokenItIs401() {
        assertThat(exchange(HttpRequest.newBuilder(commands).timeout(Duration.ofSeconds(30)).GET().build()).statusCode()).isEqualTo(401);
        assertThat(exchange(HttpRequest.newBuilder(commands).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(jsonBody("{\"name\":\"x\"}")).build()).statusCode()).isEqualTo(401);
    }

    @Test
    void aSubmitIsTheFrameWithTheIdempotencyKeyAsIdAnd201WithItsLocation() {
        String sub = subject(token("alice"));
        String target = deviceId("gw-cmd");
        String key = "order-42:retry_1." + UUID.randomUUID().toString().substring(0, 8);
        try (QueueDouble queue = QueueDouble.open(ready)) {
            CompletableFuture<HttpResponse<String>> keyed = send(submit("{\"to\":\"" + target + "\",\"name\":\"roo.task.run\","
                    + "\"args\":{\"prompt\":\"fix the build\"},\"priority\":\"high\",\"ttlSec\":600,\"maxAttempts\":3,"
                    + "\"requires\":[\"roo.task@1\"]}", key));
            InboundFrame request = queue.request(sub, "command.submit");
            assertThat(request.frame().id()).as("the frame id is the Idempotency-Key").isEqualTo(key);
            assertThat(request.frame().to()).isEqualTo(target);
            JsonNode payload = request.frame().payload();
            assertThat(payload.path("name").asText()).isEqualTo("roo.task.run");
            assertThat(payload.path("args").path("prompt").asText()).isEqualTo("fix the build");
            assertThat(payload.path("priority").asText()).isEqualTo("high");
            assertThat(payload.path("ttlSec").asLong()).isEqualTo(600);
            assertThat(payload.path("maxAttempts").asInt()).isEqualTo(3);
            assertThat(payload.path("requires").get(0).asText()).isEqualTo("roo.task@1");
            String commandId = newCommandId();
            queue.answer(request, ServerFrames.of(FrameType.COMMAND_STATUS, key,
                    new CommandStatus(commandId, "QUEUED", target, 0, null, null, 1L)));

            HttpResponse<String> created = response(keyed);
            JsonNode status = assertJson(created, 201);
            assertThat(created.headers().firstValue("Location")).hasValue("/v1/commands/" + commandId);
            assertThat(status.path("commandId").asText()).isEqualTo(commandId);
            assertThat(status.path("status").asText()).isEqualTo("QUEUED");
            assertThat(status.path("version").asLong()).isEqualTo(1);

            // without a key the id is a fresh UUID, without `to` the queue chooses the target; the defaults are filled in
            CompletableFuture<HttpResponse<String>> unkeyed = send(submit("{\"name\":\"roo.task.run\"}", null));
            InboundFrame second = queue.request(sub, "command.submit");
            assertThat(UUID.fromString(second.frame().id()).toString()).isEqualTo(second.frame().id());
            assertThat(second.frame().to()).isNull();
            assertThat(second.frame().payload().path("priority").asText()).isEqualTo("normal");
            String dispatchedId = newCommandId();
            queue.answer(second, ServerFrames.of(FrameType.COMMAND_STATUS, second.frame().id(),
                    new CommandStatus(dispatchedId, "DISPATCHED", "desk-1", 1, null, null, 2L)));
            HttpResponse<String> dispatched = response(unkeyed);
            assertThat(assertJson(dispatched, 201).path("status").asText()).isEqualTo("DISPATCHED");
            assertThat(dispatched.headers().firstValue("Location")).hasValue("/v1/commands/" + dispatchedId);

            // the queue's refusal is the problem of its code
            CompletableFuture<HttpResponse<String>> refused = send(submit("{\"name\":\"roo.task.run\",\"requires\":[\"nothing.has@9\"]}", null));
            InboundFrame third = queue.request(sub, "command.submit");
            queue.answer(third, ServerFrames.error(third.frame().id(), ErrorCode.NO_CAPABLE_DEVICE, "no device has nothing.has@9"));
            assertThat(assertProblem(response(refused), 422, "no_capable_device").path("detail").asText()).contains("nothing.has@9");

            // an answer the queue never gives to a submit is its fault, not the caller's
            CompletableFuture<HttpResponse<String>> odd = send(submit("{\"name\":\"roo.task.run\"}", null));
            InboundFrame fourth = queue.request(sub, "command.submit");
            queue.answer(fourth, ServerFrames.of(FrameType.COMMANDS, fourth.frame().id(), new CommandsPage(List.of(), null)));
            assertThat(assertProblem(response(odd), 503, "unavailable").path("detail").asText()).contains("command queue");
        }
    }

    @Test
    void aBadSubmitIs400WithoutAskingTheQueue() {
        String sub = subject(token("alice"));
        try (QueueDouble queue = QueueDouble.open(ready)) {
            assertThat(assertProblem(exchange(submit("{\"to\":\"desk\"}", null)), 400, "bad_frame").path("detail").asText()).contains("name");
            assertThat(assertProblem(exchange(submit("{\"name\":\"x\",\"priority\":\"urgent\"}", null)), 400, "bad_frame")
                    .path("detail").asText()).contains("priority");
            assertThat(assertProblem(exchange(submit("{\"name\":\"x\",\"ttlSec\":604801}", null)), 400, "bad_frame")
                    .path("detail").asText()).contains("ttlSec");
            assertThat(assertProblem(exchange(submit("{\"name\":\"x\",\"ttlSec\":\"soon\"}", null)), 400, "bad_frame")
                    .path("detail").asText()).contains("ttlSec");
            assertThat(assertProblem(exchange(submit("{\"name\":\"x\",\"to\":\"\"}", null)), 400, "bad_frame").path("detail").asText()).contains("to");
            assertThat(assertProblem(exchange(submit("{\"name\":\"x\",\"to\":\"" + "d".repeat(65) + "\"}", null)), 400, "bad_frame")
                    .path("detail").asText()).contains("to");
            assertThat(assertProblem(exchange(submit("{\"name\":\"x\"}", "has space")), 400, "bad_frame")
                    .path("detail").asText()).contains("Idempotency-Key");
            assertProblem(exchange(submit("{\"name\":\"x\"}", "k".repeat(65))), 400, "bad_frame");
            assertThat(assertProblem(exchange(submit("{\"name\":", null)), 400, "bad_frame").path("detail").asText()).contains("JSON");
            assertProblem(exchange(submit("[1]", null)), 400, "bad_frame");
            assertProblem(exchange(submit("", null)), 400, "bad_frame");

            CompletableFuture<HttpResponse<String>> good = send(submit("{\"name\":\"the good one\"}", null));
            InboundFrame request = queue.request(sub, "command.submit");
            assertThat(request.frame().payload().path("name").asText()).isEqualTo("the good one");
            // a refused submit would have been published before this one (same user, same partition)
            assertThat(queue.commandsIn().notTaken()).map(RelayDouble::inbound)
                    .noneMatch(inbound -> inbound != null && sub.equals(inbound.userId()) && inbound.frame() != null
                            && inbound.frame().is(FrameType.COMMAND_SUBMIT));
            queue.answer(request, ServerFrames.of(FrameType.COMMAND_STATUS, request.frame().id(), CommandStatus.of(newCommandId(), "QUEUED", null, 0)));
            assertThat(response(good).statusCode()).isEqualTo(201);
        }
    }

    @Test
    void oneCommandIsTheQueuesAnswerAndAMissingOneIs404() {
        String sub = subject(token("alice"));
        String id = newCommandId();
        try (QueueDouble queue = QueueDouble.open(ready)) {
            CompletableFuture<HttpResponse<String>> found = send(asAlice(command(id)).GET().build());
            InboundFrame request = queue.request(sub, "commands.query");
            assertThat(request.frame().payload().path("commandId").asText()).isEqualTo(id);
            queue.answer(request, ServerFrames.of(FrameType.COMMANDS, request.frame().id(), new CommandsPage(List.of(view(id, "DELIVERED")), null)));
            JsonNode command = assertJson(response(found), 200);
            assertThat(command.path("commandId").asText()).isEqualTo(id);
            assertThat(command.path("status").asText()).isEqualTo("DELIVERED");
            assertThat(command.path("version").asLong()).isEqualTo(3);

            String missing = newCommandId();
            CompletableFuture<HttpResponse<String>> empty = send(asAlice(command(missing)).GET().build());
            InboundFrame emptyRequest = queue.request(sub, "commands.query");
            queue.answer(emptyRequest, ServerFrames.of(FrameType.COMMANDS, emptyRequest.frame().id(), new CommandsPage(List.of(), null)));
            assertThat(assertProblem(response(empty), 404, "not_found").path("detail").asText()).contains(missing);

            CompletableFuture<HttpResponse<String>> notFound = send(asAlice(command(missing)).GET().build());
            InboundFrame notFoundRequest = queue.request(sub, "commands.query");
            queue.answer(notFoundRequest, ServerFrames.error(notFoundRequest.frame().id(), ErrorCode.NOT_FOUND, "no command " + missing));
            assertProblem(response(notFound), 404, "not_found");
        }
    }

    @Test
    void theListPassesItsFiltersAndIsTheQueuesPage() {
        String sub = subject(token("alice"));
        try (QueueDouble queue = QueueDouble.open(ready)) {
            assertThat(assertProblem(exchange(asAlice(URI.create(commands + "?status=queued")).GET().build()), 400, "bad_frame")
                    .path("detail").asText()).contains("status");
            assertProblem(exchange(asAlice(URI.create(commands + "?limit=501")).GET().build()), 400, "bad_frame");
            assertThat(assertProblem(exchange(asAlice(URI.create(commands + "?limit=many")).GET().build()), 400, "bad_frame")
                    .path("detail").asText()).contains("many");

            CompletableFuture<HttpResponse<String>> pending = send(asAlice(URI.create(commands
                    + "?status=QUEUED&device=desk-1&after=cursor-1&limit=2")).GET().build());
            InboundFrame request = queue.request(sub, "commands.query");
            JsonNode query = request.frame().payload();
            assertThat(query.path("status").asText()).isEqualTo("QUEUED");
            assertThat(query.path("device").asText()).isEqualTo("desk-1");
            assertThat(query.path("after").asText()).isEqualTo("cursor-1");
            assertThat(query.path("limit").asInt()).isEqualTo(2);
            assertThat(query.path("commandId").isMissingNode() || query.path("commandId").isNull()).isTrue();
            // the refused lists would have been published before this one
            assertThat(queue.commandsIn().notTaken()).map(RelayDouble::inbound)
                    .noneMatch(inbound -> inbound != null && sub.equals(inbound.userId()) && inbound.frame() != null
                            && inbound.frame().is(FrameType.COMMANDS_QUERY));
            String first = newCommandId();
            String second = newCommandId();
            queue.answer(request, ServerFrames.of(FrameType.COMMANDS, request.frame().id(),
                    new CommandsPage(List.of(view(first, "QUEUED"), view(second, "QUEUED")), "cursor-2")));
            JsonNode page = assertJson(response(pending), 200);
            assertThat(page.path("commands")).hasSize(2);
            assertThat(page.path("commands").get(0).path("commandId").asText()).isEqualTo(first);
            assertThat(page.path("commands").get(1).path("commandId").asText()).isEqualTo(second);
            assertThat(page.path("next").asText()).isEqualTo("cursor-2");
        }
    }

    @Test
    void cancelIsTheQueuesStatusAndAConflictIs409() {
        String sub = subject(token("alice"));
        String id = newCommandId();
        try (QueueDouble queue = QueueDouble.open(ready)) {
            CompletableFuture<HttpResponse<String>> cancelled = send(asAlice(command(id)).DELETE().build());
            InboundFrame request = queue.request(sub, "command.cancel");
            assertThat(request.frame().payload().path("commandId").asText()).isEqualTo(id);
            queue.answer(request, ServerFrames.of(FrameType.COMMAND_STATUS, request.frame().id(),
                    new CommandStatus(id, "CANCELLED", "desk-1", 0, null, null, 2L)));
            JsonNode status = assertJson(response(cancelled), 200);
            assertThat(status.path("commandId").asText()).isEqualTo(id);
            assertThat(status.path("status").asText()).isEqualTo("CANCELLED");

            String dispatched = newCommandId();
            CompletableFuture<HttpResponse<String>> conflict = send(asAlice(command(dispatched)).DELETE().build());
            InboundFrame conflicting = queue.request(sub, "command.cancel");
            queue.answer(conflicting, ServerFrames.error(conflicting.frame().id(), ErrorCode.CONFLICT, "command " + dispatched + " is DISPATCHED"));
            assertThat(assertProblem(response(conflict), 409, "conflict").path("detail").asText()).contains("DISPATCHED");
        }
    }
}
