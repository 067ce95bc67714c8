package io.rccs.deploy.checks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The realm a cluster imports is the local stack's realm (deploy/keycloak) made fit for production:
 * the same roles, audience mapping and token lifetimes, without the demo users, the test client
 * {@code rccs-short}, a client secret or the password grant. The chart's copy is the same file.
 */
class KeycloakRealmTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theClusterRealmIsTheLocalRealmWithoutWhatOnlyTestsNeed() throws IOException {
        assertThat(violations(localRealm(), clusterRealm())).isEmpty();
    }

    @Test
    void theChartImportsTheSameRealm() throws IOException {
        assertThat(Files.readString(Repo.chart().resolve("files/rccs-realm.json")))
                .isEqualTo(Files.readString(Repo.root().resolve("k8s/base/keycloak/rccs-realm.json")));
    }

    @Test
    void demoUsersSecretsPasswordGrantsAndChangedMappersAreReported() throws IOException {
        JsonNode local = localRealm();
        ObjectNode cluster = (ObjectNode) clusterRealm();
        cluster.set("users", local.get("users"));
        ObjectNode cli = (ObjectNode) cluster.get("clients").get(0);
        cli.put("directAccessGrantsEnabled", true);
        cli.put("secret", "s3cret");
        cli.remove("protocolMappers");
        cluster.put("accessTokenLifespan", 86400);

        assertThat(violations(local, cluster)).hasSize(5)
                .anySatisfy(v -> assertThat(v).contains("demo users"))
                .anySatisfy(v -> assertThat(v).contains("password grant"))
                .anySatisfy(v -> assertThat(v).contains("secret"))
                .anySatisfy(v -> assertThat(v).contains("protocolMappers"))
                .anySatisfy(v -> assertThat(v).contains("accessTokenLifespan"));
    }

    static List<String> violations(JsonNode local, JsonNode cluster) {
        List<String> found = new ArrayList<>();
        if (cluster.has("users")) {
            found.add("the cluster realm has demo users");
        }
        for (String field : List.of("realm", "roles", "accessTokenLifespan", "ssoSessionIdleTimeout", "registrationAllowed")) {
            if (!cluster.path(field).equals(local.path(field))) {
                found.add(field + " differs from deploy/keycloak/rccs-realm.json");
            }
        }
        List<String> ids = new ArrayList<>();
        for (JsonNode client : cluster.path("clients")) {
            String id = client.path("clientId").asText();
            ids.add(id);
            if (client.has("secret")) {
                found.add("client " + id + " holds a secret");
            }
            if (client.path("directAccessGrantsEnabled").asBoolean(false)) {
                found.add("client " + id + " allows the password grant");
            }
            JsonNode localClient = clientOf(local, id);
            if (localClient == null) {
                found.add("client " + id + " is not in the local realm");
            } else if (!client.path("protocolMappers").equals(localClient.path("protocolMappers"))) {
                found.add("client " + id + ": protocolMappers differ from the local realm's");
            }
        }
        if (!ids.equals(List.of("rccs-cli", "rccs-services"))) {
            found.add("clients are " + ids + ", expected [rccs-cli, rccs-services]");
        }
        return found;
    }

    private static JsonNode localRealm() throws IOException {
        return read(Repo.root().resolve("deploy/keycloak/rccs-realm.json"));
    }

    private static JsonNode clusterRealm() throws IOException {
        return read(Repo.root().resolve("k8s/base/keycloak/rccs-realm.json"));
    }

    private static JsonNode read(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    private static JsonNode clientOf(JsonNode realm, String clientId) {
        for (JsonNode client : realm.path("clients")) {
            if (client.path("clientId").asText().equals(clientId)) {
                return client;
            }
        }
        return null;
    }
}
