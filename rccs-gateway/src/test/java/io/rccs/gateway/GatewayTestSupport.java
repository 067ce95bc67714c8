package io.rccs.gateway;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.microprofile.config.ConfigProvider;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.client.FrameMatcher;
import io.rccs.client.RccsClient;
import io.rccs.client.TokenClient;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.payload.ErrorPayload;

/** What the gateway tests share: tokens of the realm's test users, URLs, frame helpers. */
final class GatewayTestSupport {

    static final String CLIENT_ID = "rccs-cli";
    static final Duration WAIT = Duration.ofSeconds(20);
    /** The partition of rccs.deliveries this gateway reads in the test profile. */
    static final int INSTANCE = 15;

    private static final Duration TOKEN_REUSE = Duration.ofSeconds(60);
    private static final Map<String, Token> TOKENS = new ConcurrentHashMap<>();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private record Token(String value, long fetchedAt) {
    }

    private GatewayTestSupport() {
    }

    static String issuer() {
        return ConfigProvider.getConfig().getValue("quarkus.oidc.auth-server-url", String.class);
    }

    static String kafkaBootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    /** An access token of a realm test user (password = user name), fetched at most once a minute. */
    static String token(String user) {
        Token token = TOKENS.compute(user, (name, cached) -> cached != null
                && System.currentTimeMillis() - cached.fetchedAt() < TOKEN_REUSE.toMillis()
                        ? cached
                        : new Token(TokenClient.passwordGrant(issuer(), CLIENT_ID, name, name), System.currentTimeMillis()));
        return token.value();
    }

    /** The {@code sub} claim of an access token: the user id the gateway publishes under. */
    static String subject(String accessToken) {
        String[] parts = accessToken.split("\\.");
        if (parts.length < 2) {
            throw new IllegalArgumentException("not a JWT");
        }
        try {
            JsonNode claims = FrameCodec.mapper().readTree(Base64.getUrlDecoder().decode(parts[1]));
            String sub = claims.path("sub").asText(null);
            if (sub == null || sub.isEmpty()) {
                throw new IllegalStateException("the token has no sub claim");
            }
            return sub;
        } catch (IOException e) {
            throw new IllegalArgumentException("the token's claims are not JSON", e);
        }
    }

    /** The WebSocket form of an HTTP test URL. */
    static URI ws(URI http) {
        return URI.create(http.toString().replaceFirst("^http", "ws"));
    }

    static String deviceId(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 12);
    }

    static RccsClient connect(URI connectUrl, String user) {
        return RccsClient.connect(ws(connectUrl), token(user), Duration.ofSeconds(10));
    }

    /** Sends hello for {@code deviceId} without waiting for a welcome (only the relay answers it). */
    static Frame hello(RccsClient client, String deviceId) {
        return client.sendHello(RccsClient.helloPayload(deviceId, "gateway test " + deviceId, "desktop", List.of("notify"), null));
    }

    /** Sends a protocol ping and waits for the pong answering it. */
    static Frame pingPong(RccsClient client) {
        Frame ping = client.send("ping", null, null);
        return client.awaitReply(ping.id(), "pong", WAIT);
    }

    static FrameMatcher errorWithCode(String code) {
        return FrameMatcher.type("error").and(FrameMatcher.payload("code", code));
    }

    static ErrorPayload errorPayload(Frame frame) {
        return RccsClient.payload(frame, ErrorPayload.class);
    }

    /** Waits until the readiness check passes: from then on this gateway reads its deliveries partition. */
    static void awaitReady(URI readyUrl) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(readyUrl).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (response.statusCode() == 200) {
                    return;
                }
                last = response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        throw new AssertionError("the gateway did not become ready within 60 s: " + last);
    }
}
