package io.rccs.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.client.TokenClient;
import io.rccs.model.protocol.FrameCodec;

/**
 * Access tokens that live 20 s, from the realm's public client {@code rccs-short}, for the tests of
 * token renewal and expiry. The realm file declares the client, but Keycloak imports the file only
 * into a server that does not have the realm yet: on a stack made before the client was added, the
 * client is created here through the admin API, from the realm file's own definition.
 */
final class ShortTokens {

    static final String CLIENT_ID = "rccs-short";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private static volatile boolean ensured;

    private ShortTokens() {
    }

    /** A fresh 20-second token of a test user (password = name). */
    static String token(String user) {
        ensureClient();
        return TokenClient.passwordGrant(Stack.oidc(), CLIENT_ID, user, user);
    }

    /** Creates {@code rccs-short} in the realm, as the realm file defines it, unless it is there. */
    static synchronized void ensureClient() {
        if (ensured) {
            return;
        }
        String keycloak = Stack.oidc().replaceFirst("/realms/[^/]+/?$", "");
        String realm = Stack.oidc().replaceFirst("^.*/realms/", "").replace("/", "");
        String admin = TokenClient.passwordGrant(keycloak + "/realms/master", "admin-cli",
                env("RCCS_E2E_KEYCLOAK_ADMIN", "admin"), env("RCCS_E2E_KEYCLOAK_ADMIN_PASSWORD", "admin"));
        URI clients = URI.create(keycloak + "/admin/realms/" + realm + "/clients");
        HttpResponse<String> found = send(HttpRequest.newBuilder(URI.create(clients + "?clientId="
                + URLEncoder.encode(CLIENT_ID, StandardCharsets.UTF_8))).GET(), admin);
        if (found.statusCode() != 200) {
            throw new IllegalStateException("cannot list the clients of realm " + realm + ": HTTP " + found.statusCode() + " " + found.body());
        }
        if (read(found.body()).isEmpty()) {
            HttpResponse<String> created = send(HttpRequest.newBuilder(clients).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(definition().toString())), admin);
            // 409: a parallel run created it meanwhile
            if (created.statusCode() != 201 && created.statusCode() != 409) {
                throw new IllegalStateException("cannot create client " + CLIENT_ID + ": HTTP " + created.statusCode() + " " + created.body());
            }
        }
        ensured = true;
    }

    /** The client as deploy/keycloak/rccs-realm.json declares it. */
    private static JsonNode definition() {
        Path realmFile = realmFile();
        for (JsonNode client : read(readFile(realmFile)).path("clients")) {
            if (CLIENT_ID.equals(client.path("clientId").asText())) {
                return client;
            }
        }
        throw new IllegalStateException(realmFile + " declares no client " + CLIENT_ID);
    }

    /** The realm file of this checkout: above the module's directory, or beside the ./rccs launcher. */
    private static Path realmFile() {
        Path relative = Path.of("deploy", "keycloak", "rccs-realm.json");
        String launcher = System.getenv("RCCS_E2E_CONTROL");
        if (launcher != null && !launcher.isBlank()) {
            Path beside = Path.of(launcher).toAbsolutePath().getParent().resolve(relative);
            if (Files.isRegularFile(beside)) {
                return beside;
            }
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(relative))) {
                return dir.resolve(relative);
            }
        }
        throw new IllegalStateException("no " + relative + " above " + Path.of("").toAbsolutePath());
    }

    private static HttpResponse<String> send(HttpRequest.Builder request, String adminToken) {
        try {
            return HTTP.send(request.timeout(TIMEOUT).header("Authorization", "Bearer " + adminToken)
                    .header("Accept", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach the Keycloak admin API", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String readFile(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode read(String json) {
        try {
            return FrameCodec.mapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + json, e);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
