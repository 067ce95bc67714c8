package io.rccs.bench;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.client.TokenClient;
import io.rccs.model.protocol.FrameCodec;

/**
 * Tokens for the bench users of realm {@code rccs}. A user that cannot log in yet is created (or
 * repaired) through the Keycloak admin REST API first, so a fresh stack needs no manual setup.
 */
final class KeycloakUsers {

    static final String REALM = "rccs";
    static final String CLIENT_ID = "rccs-cli";
    static final String ROLE = "rccs-user";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final HttpClient http;
    private final URI keycloak;
    private final String adminUser;
    private final String adminPassword;
    private final ObjectMapper json = FrameCodec.mapper();
    private AccessToken adminToken;

    KeycloakUsers(HttpClient http, URI keycloak, String adminUser, String adminPassword) {
        this.http = http;
        this.keycloak = keycloak;
        this.adminUser = adminUser;
        this.adminPassword = adminPassword;
    }

    static String issuer(URI keycloak, String realm) {
        return keycloak + "/realms/" + realm;
    }

    /** A token for {@code user} (password = name), creating the user when the grant is refused. */
    AccessToken tokenFor(String user) {
        try {
            return grant(user);
        } catch (TokenClient.TokenException refused) {
            if (refused.status() != 400 && refused.status() != 401) {
                throw new BenchException("Keycloak refused a token for " + user + ": " + refused.getMessage(), refused);
            }
        }
        ensureUser(user);
        try {
            return grant(user);
        } catch (TokenClient.TokenException e) {
            throw new BenchException("bench user " + user + " still cannot log in after setup: " + e.getMessage(), e);
        }
    }

    private AccessToken grant(String user) {
        return AccessToken.of(TokenClient.passwordGrant(issuer(keycloak, REALM), CLIENT_ID, user, user));
    }

    /** Creates the user with a complete profile and password, or repairs an existing one; then grants the role. */
    private void ensureUser(String user) {
        String id = findUserId(user);
        if (id == null) {
            HttpResponse<String> created = send("POST", "/users", userRepresentation(user, true));
            if (created.statusCode() == 201) {
                id = created.headers().firstValue("Location").map(l -> l.substring(l.lastIndexOf('/') + 1)).orElse(null);
            } else if (created.statusCode() != 409) { // 409: created meanwhile by a parallel run
                throw new BenchException("cannot create bench user " + user + ": HTTP " + created.statusCode() + " " + created.body());
            }
            if (id == null) {
                id = findUserId(user);
            }
        } else {
            // it exists but could not log in: complete its profile and reset its password
            expect(send("PUT", "/users/" + id, userRepresentation(user, false)), "update bench user " + user);
            ObjectNode password = json.createObjectNode().put("type", "password").put("value", user).put("temporary", false);
            expect(send("PUT", "/users/" + id + "/reset-password", password), "reset the password of " + user);
        }
        if (id == null) {
            throw new BenchException("bench user " + user + " was created but cannot be found");
        }
        HttpResponse<String> role = send("GET", "/roles/" + ROLE, null);
        expect(role, "read realm role " + ROLE);
        ArrayNode roles = json.createArrayNode().add(readJson(role.body()));
        expect(send("POST", "/users/" + id + "/role-mappings/realm", roles), "grant " + ROLE + " to " + user);
    }

    private ObjectNode userRepresentation(String user, boolean withPassword) {
        // Keycloak 26 refuses the password grant ("Account is not fully set up") without a complete profile
        ObjectNode rep = json.createObjectNode()
                .put("username", user)
                .put("enabled", true)
                .put("emailVerified", true)
                .put("firstName", "Bench")
                .put("lastName", user)
                .put("email", user + "@bench.example.org");
        rep.putArray("requiredActions");
        if (withPassword) {
            rep.putArray("credentials").addObject().put("type", "password").put("value", user).put("temporary", false);
        }
        return rep;
    }

    private String findUserId(String user) {
        HttpResponse<String> found = send("GET", "/users?exact=true&username=" + URLEncoder.encode(user, StandardCharsets.UTF_8), null);
        expect(found, "look up bench user " + user);
        for (JsonNode candidate : readJson(found.body())) {
            if (user.equals(candidate.path("username").asText())) {
                return candidate.path("id").asText();
            }
        }
        return null;
    }

    private HttpResponse<String> send(String method, String path, JsonNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(keycloak + "/admin/realms/" + REALM + path))
                .timeout(TIMEOUT)
                .header("Authorization", "Bearer " + adminToken().value())
                .header("Accept", "application/json");
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new BenchException("cannot reach the Keycloak admin API at " + keycloak + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while talking to Keycloak", e);
        }
    }

    /** The admin token of realm master; its lifetime is short (a minute by default), so refresh it. */
    private synchronized AccessToken adminToken() {
        if (adminToken == null || adminToken.expiresBefore(Instant.now().plusSeconds(10))) {
            try {
                adminToken = AccessToken.of(TokenClient.passwordGrant(issuer(keycloak, "master"), "admin-cli", adminUser, adminPassword));
            } catch (TokenClient.TokenException e) {
                throw new BenchException("cannot log in to the Keycloak admin API as " + adminUser + " (needed to create bench users): "
                        + e.getMessage(), e);
            }
        }
        return adminToken;
    }

    private JsonNode readJson(String body) {
        try {
            return json.readTree(body);
        } catch (IOException e) {
            throw new BenchException("Keycloak answered no JSON: " + body, e);
        }
    }

    private static void expect(HttpResponse<String> response, String what) {
        if (response.statusCode() / 100 != 2) {
            throw new BenchException("cannot " + what + ": HTTP " + response.statusCode() + " " + response.body());
        }
    }
}
