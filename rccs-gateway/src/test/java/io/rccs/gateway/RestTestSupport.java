package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.WAIT;
import static io.rccs.gateway.GatewayTestSupport.token;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.FrameCodec;

/** What the REST tests share: requests with a user's token, waiting for answers, problem checks. */
final class RestTestSupport {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RestTestSupport() {
    }

    /** A request with the bearer token of a realm test user. */
    static HttpRequest.Builder withToken(URI uri, String user) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token(user));
    }

    /** Sends without waiting: the answer comes only once a double has answered the published request. */
    static CompletableFuture<HttpResponse<String>> send(HttpRequest request) {
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** The answer, waited for at most {@link GatewayTestSupport#WAIT}. */
    static HttpResponse<String> response(CompletableFuture<HttpResponse<String>> pending) {
        try {
            return pending.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("no HTTP answer within " + WAIT, e);
        }
    }

    /** Sends and waits: for requests the gateway answers without asking a service. */
    static HttpResponse<String> exchange(HttpRequest request) {
        return response(send(request));
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return FrameCodec.mapper().readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    static HttpRequest.BodyPublisher jsonBody(String json) {
        return HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8);
    }

    /** An RFC 9457 problem with this status and protocol error code; returns its body. */
    static JsonNode assertProblem(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as("status of " + response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        JsonNode problem = json(response);
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("code").asText()).isEqualTo(code);
        assertThat(problem.path("type").asText()).endsWith("/" + code);
        assertThat(problem.path("title").asText()).isNotBlank();
        assertThat(problem.path("detail").asText()).isNotBlank();
        return problem;
    }

    /** A 200 (or other success) with a JSON body; returns the body. */
    static JsonNode assertJson(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as("status of " + response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        return json(response);
    }
}
