package io.rccs.client;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.FrameCodec;

/** Fetches OIDC access tokens from the issuer's token endpoint (Keycloak and the like). */
public final class TokenClient {

    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    private TokenClient() {
    }

    /**
     * The resource-owner password grant: POSTs {@code grant_type=password} with the client id and the
     * user's credentials to {@code {issuerUrl}/protocol/openid-connect/token} and returns the
     * {@code access_token}.
     *
     * @param issuerUrl the realm's issuer, such as {@code http://127.0.0.1:8180/realms/rccs}
     * @throws TokenException with the HTTP status and body when the issuer refuses or cannot be reached
     */
    public static String passwordGrant(String issuerUrl, String clientId, String username, String password) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "password");
        form.put("client_id", clientId);
        form.put("username", username);
        form.put("password", password);
        return accessToken(tokenEndpoint(issuerUrl), form);
    }

    /** {@code {issuerUrl}/protocol/openid-connect/token}, tolerating a trailing slash. */
    public static URI tokenEndpoint(String issuerUrl) {
        String base = issuerUrl.endsWith("/") ? issuerUrl.substring(0, issuerUrl.length() - 1) : issuerUrl;
        return URI.create(base + "/protocol/openid-connect/token");
    }

    private static String accessToken(URI endpoint, Map<String, String> form) {
        String body = form.entrySet().stream()
                .map(field -> encode(field.getKey()) + "=" + encode(field.getValue()))
                .collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response;
        try {
            response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new TokenException(-1, null, "cannot reach the token endpoint " + endpoint + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenException(-1, null, "interrupted while fetching a token from " + endpoint, e);
        }
        if (response.statusCode() != 200) {
            throw new TokenException(response.statusCode(), response.body(),
                    "the token endpoint " + endpoint + " answered HTTP " + response.statusCode() + ": " + response.body(), null);
        }
        JsonNode json;
        try {
            json = FrameCodec.mapper().readTree(response.body());
        } catch (IOException e) {
            throw new TokenException(200, response.body(), "the token endpoint " + endpoint + " answered no JSON: " + response.body(), e);
        }
        JsonNode token = json == null ? null : json.get("access_token");
        if (token == null || !token.isTextual() || token.textValue().isEmpty()) {
            throw new TokenException(200, response.body(), "the token endpoint " + endpoint + " answered no access_token: " + response.body(), null);
        }
        return token.textValue();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8);
    }

    /** The issuer refused to issue a token, or could not be reached ({@link #status()} -1). */
    public static final class TokenException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        private final int status;
        private final String body;

        public TokenException(int status, String body, String message, Throwable cause) {
            super(message, cause);
            this.status = status;
            this.body = body;
        }

        public int status() {
            return status;
        }

        public String body() {
            return body;
        }
    }
}
