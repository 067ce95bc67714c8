package io.rccs.gateway;

import static io.rccs.gateway.CommandsRestTest.view;
import static io.rccs.gateway.GatewayTestSupport.subject;
import static io.rccs.gateway.GatewayTestSupport.token;
import static io.rccs.gateway.RestTestSupport.assertJson;
import static io.rccs.gateway.RestTestSupport.assertProblem;
import static io.rccs.gateway.RestTestSupport.exchange;
import static io.rccs.gateway.RestTestSupport.response;
import static io.rccs.gateway.RestTestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import io.rccs.model.protocol.payload.CommandView;
import io.rccs.model.protocol.payload.CommandsPage;

/**
 * SPEC 3.3 and 4: {@code /v1/admin/dead-letters}, for operators (role rccs-admin; the realm's {@code ops}
 * has it, {@code alice} has not). A user without the role is refused here, before anything is
 * published; an operator's request is a {@code deadletters.admin} frame with the operator's roles,
 * which the command queue (played here) answers with a {@code commands} page.
 */
@QuarkusTest
class DeadLettersRestTest {

    @TestHTTPResource("/v1/admin/dead-letters")
    URI deadLetters;

    @TestHTTPResource("/v1/commands")
    URI commands;

    @TestHTTPResource("/q/health/ready")
    URI ready;

    private URI at(String pathAndQuery) {
        return URI.create(deadLetters + pathAndQuery);
    }

    private static HttpRequest.Builder asOps(URI uri) {
        return RestTestSupport.withToken(uri, "ops");
    }

    private static String newCommandId() {
        return "cmd-" + UUID.randomUUID();
    }

    /** The operator's request as published: action, and the operator's roles for the queue to check again. */
    private static InboundFrame adminRequest(QueueDouble queue, String action) {
        InboundFrame request = queue.request(subject(token("ops")), "deadletters.admin");
        assertThat(request.roles()).contains("rccs-admin");
        assertThat(request.frame().payload().path("action").asText()).isEqualTo(action);
        return request;
    }

    private static void answerPage(QueueDouble queue, InboundFrame request, String next, CommandView... views) {
        queue.answer(request, ServerFrames.of(FrameType.COMMANDS, request.frame().id(), new CommandsPage(List.of(views), next)));
    }

    private static boolean isDeadLettersAdminOf(InboundFrame inbound, String userId) {
        return inbound != null && userId.equals(inbound.userId()) && inbound.frame() != null && inbound.frame().is(FrameType.DEAD_LETTERS_ADMIN);
    }

    @Test
    void aUserWithoutRccsAdminGets403ProblemAndNothingIsPublished() {
        String alice = subject(token("alice"));
        try (QueueDouble queue = QueueDouble.open(ready)) {
            JsonNode problem = assertProblem(exchange(RestTestSupport.withToken(deadLetters, "alice").GET().build()), 403, "forbidden");
            assertThat(problem.path("detail").asText()).contains("rccs-admin");
            assertProblem(exchange(RestTestSupport.withToken(at("/" + newCommandId() + "/requeue"), "alice")
                    .POST(HttpRequest.BodyPublishers.noBody()).build()), 403, "forbidden");
            assertProblem(exchange(RestTestSupport.withToken(at("?reason=DEAD"), "alice").DELETE().build()), 403, "forbidden");

            // a request of alice that is published: the refused ones would be before it (same user, same partition)
            CompletableFuture<HttpResponse<String>> list = send(RestTestSupport.withToken(commands, "alice").GET().build());
            InboundFrame query = queue.request(alice, "commands.query");
            assertThat(queue.commandsIn().notTaken()).map(RelayDouble::inbound).noneMatch(inbound -> isDeadLettersAdminOf(inbound, alice));
            queue.answer(query, ServerFrames.of(FrameType.COMMANDS, query.frame().id(), new CommandsPage(List.of(), null)));
            assertThat(response(list).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void anOperatorListsAndGetsDeadLetters() {
        try (QueueDouble queue = QueueDouble.open(ready)) {
            CompletableFuture<HttpResponse<String>> listed = send(asOps(at(
                    "?userId=user-7&device=desk-1&reason=DEAD&olderThanSec=60&after=cursor-1&limit=10")).GET().build());
            InboundFrame list = adminRequest(queue, "list");
            JsonNode filters = list.frame().payload();
            assertThat(filters.path("userId").asText()).isEqualTo("user-7");
            assertThat(filters.path("device").asText()).isEqualTo("desk-1");
            assertThat(filters.path("reason").asText()).isEqualTo("DEAD");
            assertThat(filters.path("olderThanSec").asLong()).isEqualTo(60);
            assertThat(filters.path("after").asText()).isEqualTo("cursor-1");
            assertThat(filters.path("limit").asInt()).isEqualTo(10);
            String dead = newCommandId();
            answerPage(queue, list, "cursor-2", view(dead, "DEAD"));
            JsonNode page = assertJson(response(listed), 200);
            assertThat(page.path("commands").get(0).path("commandId").asText()).isEqualTo(dead);
            assertThat(page.path("next").asText()).isEqualTo("cursor-2");

            CompletableFuture<HttpResponse<String>> one = send(asOps(at("/" + dead)).GET().build());
            InboundFrame get = adminRequest(queue, "get");
            assertThat(get.frame().payload().path("commandId").asText()).isEqualTo(dead);
            answerPage(queue, get, null, view(dead, "DEAD"));
            assertThat(assertJson(response(one), 200).path("status").asText()).isEqualTo("DEAD");

            String missing = newCommandId();
            CompletableFuture<HttpResponse<String>> none = send(asOps(at("/" + missing)).GET().build());
            answerPage(queue, adminRequest(queue, "get"), null);
            assertThat(assertProblem(response(none), 404, "not_found").path("detail").asText()).contains(missing);

            // the queue checks the role too: its refusal is a 403 like the gateway's
            CompletableFuture<HttpResponse<String>> refused = send(asOps(deadLetters).GET().build());
            InboundFrame refusedList = adminRequest(queue, "list");
            queue.answer(refusedList, ServerFrames.error(refusedList.frame().id(), ErrorCode.FORBIDDEN, "dead letters need rccs-admin"));
            assertProblem(response(refused), 403, "forbidden");
        }
    }

    @Test
    void requeueAndPurgeAnswerWhatTheyActedOn() {
        try (QueueDouble queue = QueueDouble.open(ready)) {
            String dead = newCommandId();
            CompletableFuture<HttpResponse<String>> requeued = send(asOps(at("/" + dead + "/requeue")).POST(HttpRequest.BodyPublishers.noBody()).build());
            InboundFrame requeue = adminRequest(queue, "requeue");
            assertThat(requeue.frame().payload().path("commandId").asText()).isEqualTo(dead);
            answerPage(queue, requeue, null, view(dead, "QUEUED"));
            JsonNode command = assertJson(response(requeued), 200);
            assertThat(command.path("commandId").asText()).isEqualTo(dead);
            assertThat(command.path("status").asText()).isEqualTo("QUEUED");

            CompletableFuture<HttpResponse<String>> purged = send(asOps(at("/" + dead)).DELETE().build());
            InboundFrame purge = adminRequest(queue, "purge");
            assertThat(purge.frame().payload().path("commandId").asText()).isEqualTo(dead);
            answerPage(queue, purge, null, view(dead, "DEAD"));
            HttpResponse<String> gone = response(purged);
            assertThat(gone.statusCode()).as(gone.body()).isEqualTo(204);
            assertThat(gone.body()).isEmpty();

            CompletableFuture<HttpResponse<String>> missing = send(asOps(at("/" + dead)).DELETE().build());
            InboundFrame purgeMissing = adminRequest(queue, "purge");
            queue.answer(purgeMissing, ServerFrames.error(purgeMissing.frame().id(), ErrorCode.NOT_FOUND, "no dead letter " + dead));
            assertProblem(response(missing), 404, "not_found");

            CompletableFuture<HttpResponse<String>> bulkRequeued = send(asOps(at("/requeue?reason=EXPIRED&limit=2"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
            InboundFrame bulkRequeue = adminRequest(queue, "requeue");
            assertThat(bulkRequeue.frame().payload().path("commandId").isMissingNode()
                    || bulkRequeue.frame().payload().path("commandId").isNull()).isTrue();
            assertThat(bulkRequeue.frame().payload().path("reason").asText()).isEqualTo("EXPIRED");
            assertThat(bulkRequeue.frame().payload().path("limit").asInt()).isEqualTo(2);
            answerPage(queue, bulkRequeue, "more", view(newCommandId(), "QUEUED"), view(newCommandId(), "QUEUED"));
            JsonNode requeuedPage = assertJson(response(bulkRequeued), 200);
            assertThat(requeuedPage.path("commands")).hasSize(2);
            assertThat(requeuedPage.path("next").asText()).isEqualTo("more");

            CompletableFuture<HttpResponse<String>> bulkPurged = send(asOps(at("?userId=user-7&olderThanSec=3600")).DELETE().build());
            InboundFrame bulkPurge = adminRequest(queue, "purge");
            assertThat(bulkPurge.frame().payload().path("userId").asText()).isEqualTo("user-7");
            assertThat(bulkPurge.frame().payload().path("olderThanSec").asLong()).isEqualTo(3600);
            answerPage(queue, bulkPurge, null, view(newCommandId(), "EXPIRED"));
            JsonNode purgedPage = assertJson(response(bulkPurged), 200);
            assertThat(purgedPage.path("commands")).hasSize(1);
            assertThat(purgedPage.path("commands").get(0).path("status").asText()).isEqualTo("EXPIRED");
        }
    }

    @Test
    void aBulkCallWithoutAFilterIs400WithoutAskingTheQueue() {
        String ops = subject(token("ops"));
        try (QueueDouble queue = QueueDouble.open(ready)) {
            assertThat(assertProblem(exchange(asOps(at("/requeue")).POST(HttpRequest.BodyPublishers.noBody()).build()), 400, "bad_frame")
                    .path("detail").asText()).contains("filter");
            assertProblem(exchange(asOps(at("?limit=5")).DELETE().build()), 400, "bad_frame");
            assertThat(assertProblem(exchange(asOps(at("?reason=LOST")).GET().build()), 400, "bad_frame")
                    .path("detail").asText()).contains("reason");

            CompletableFuture<HttpResponse<String>> listed = send(asOps(deadLetters).GET().build());
            InboundFrame list = adminRequest(queue, "list");
            // the refused calls would have been published before this one (same user, same partition)
            assertThat(queue.commandsIn().notTaken()).map(RelayDouble::inbound).noneMatch(inbound -> isDeadLettersAdminOf(inbound, ops));
            answerPage(queue, list, null);
            assertThat(assertJson(response(listed), 200).path("commands")).isEmpty();
        }
    }
}
