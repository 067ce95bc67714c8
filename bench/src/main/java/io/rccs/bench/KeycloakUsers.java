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
 * Tokens for users of realm {@code rccs} whose password is their name (the bench users, and the e2e
 * tests' users, which reuse this class). A user that cannot log in yet is created (or repaired)
 * through the Keycloak admin REST API first, so a fresh stack needs no manual setup.
 */
public final class KeycloakUsers {

    public static final String REALM = "rccs";
    public static final String CLIENT_ID = "rccs-cli";
    public static final String ROLE = "rccs-user";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    /** A token, and whether getting it created the user (a user nothing in the stack can know of yet). */
    record Login(AccessToken token, boolean created) {
    }

    private final HttpClient http;
    private final URI keycloak;
    private final String adminUser;
    private final String adminPassword;
    private final ObjectMapper json = FrameCodec.mapper();
    private AccessToken adminToken;

    /**
     * @param keycloak the Keycloak base URL, such as {@code http://127.0.0.1:8180}
     * @param adminUser a user of realm {@code master} allowed to manage realm {@code rccs} ({@code admin} locally)
     */
    public KeycloakUsers(HttpClient http, URI keycloak, String adminUser, String adminPassword) {
        this.http = http;
        this.keycloak = keycloak;
        this.adminUser = adminUser;
        this.adminPassword = adminPassword;
    }

    /** The same with an HttpClient of its own. */
    public KeycloakUsers(URI keycloak, String adminUser, String adminPassword) {
        this(HttpClient.newBuilder().connectTimeout(TIMEOUT).build(), keycloak, adminUser, adminPassword);
    }

    static String issuer(URI keycloak, String realm) {
        return keycloak + "/realms/" + realm;
    }

    /**
     * A token for {@code user} (password = name, role {@code rccs-user}). When Keycloak refuses the
     * grant, the user is created with a complete profile, or, if it exists, its profile is completed and
     * its password reset, and the role granted; then the grant is tried again.
     *
     * @throws BenchException when Keycloak cannot be reached, the admin cannot log in, or the user still cannot log in
     */
    public AccessToken tokenFor(String user) {
        return login(user).token();
    }

    /** {@link #tokenFor}, also saying whether the user had to be created. */
    Login login(String user) {
        try {
            return new Login(grant(user), false);
        } catch (TokenClient.TokenException refused) {
            if (refused.status() != 400 && refused.status() != 401) {
                throw new BenchException("Keycloak refused a token for " + user + ": " + refused.getMessage(), refused);
            }
        }
        boolean created = ensureUser(user);
        try {
            return new Login(grant(user), created);
        } catch (TokenClient.TokenException e) {
            throw new BenchException("user " + user + " still cannot log in after setup: " + e.getMessage(), e);
        }
    }

    /** Whether realm {@code rccs} has a user of that exact name (asks the admin API). */
    boolean exists(String user) {
        return findUserId(user) != null;
    }

    private AccessToken grant(String user) {
        return AccessToken.of(TokenClient.passwordGrant(issuer(keycloak, REALM), CLIENT_ID, user, user));
    }

    /**
     * Creates the user with a complete profile and password, or repairs an existing one; then grants the
     * role. True when this call created it.
     */
    private boolean ensureUser(String user) {
        String id = findUserId(user);
        boolean created = false;
        if (id == null) {
            HttpResponse<String> posted = send("POST", "/users", userRepresentation(user, true));
            if (posted.statusCode() == 201) {
                created = true;
                id = posted.headers().firstValue("Location").map(l -> l.substring(l.lastIndexOf('/') + 1)).orElse(null);
            } else if (posted.statusCode() != 409) { // 409: created meanwhile by a parallel run
                throw new BenchException("cannot create user " + user + ": HTTP " + posted.statusCode() + " " + posted.body());
            }
            if (id == null) {
                id = findUserId(user);
            }
        } else {
            // it exists but could not log in: complete its profile and reset its password
            expect(send("PUT", "/users/" + id, userRepresentation(user, false)), "update user " + user);
            ObjectNode password = json.createObjectNode().put("type", "password").put("value", user).put("temporary", false);
            expect(send("PUT", "/users/" + id + "/reset-password", password), "reset the password of " + user);
        }
        if (id == null) {
            throw new BenchException("user " + user + " was created but cannot be found");
        }
        HttpResponse<String> role = send("GET", "/roles/" + ROLE, null);
        expect(role, "read realm role " + ROLE);
        ArrayNode roles = json.createArrayNode().add(readJson(role.body()));
        expect(send("POST", "/users/" + id + "/role-mappings/realm", roles), "grant " + ROLE + " to " + user);
        return created;
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
        expect(found, "look up user " + user);
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
                throw new BenchException("cannot log in to the Keycloak admin API as " + adminUser + " (needed to create users): "
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
