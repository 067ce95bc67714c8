package io.rccs.deploy.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No secret is written as a literal in the files operators apply. */
class SecretScanTest {

    @Test
    void theManifestsHoldNoLiteralSecret() {
        Path root = Repo.root();

        assertThat(SecretScan.scan(root, List.of(root.resolve("k8s"), root.resolve("deploy/helm")))).isEmpty();
    }

    @Test
    void literalsAreFoundAndReferencesAreNot(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("values.yaml"), """
                postgres:
                  password: hunter2
                  existingSecret: rccs-postgres
                  passwordKey: password
                  secretName: rccs-tls
                redis:
                  password: ""
                oidc:
                  clientSecret: "{{ .Values.x }}"
                  tokenIssuer: https://id.example.com
                automountServiceAccountToken: false
                env:
                  - name: QUARKUS_DATASOURCE_PASSWORD
                    valueFrom:
                      secretKeyRef: {name: rccs-db, key: password}
                """);
        Files.writeString(dir.resolve("schema.json"), """
                {
                  "password": { "type": "string" },
                  "adminToken": "abc",
                  "description": "password: prose in a value is not a key"
                }
                """);
        Files.writeString(dir.resolve("db.env"), "QUARKUS_DATASOURCE_PASSWORD=s3cret\nQUARKUS_DATASOURCE_USERNAME=rccs\nREDIS_PASSWORD=\n");
        Files.writeString(dir.resolve("README.md"), "password: not scanned, prose\n");

        assertThat(SecretScan.scan(dir, List.of(dir))).containsExactly(
                "db.env:1: literal value for QUARKUS_DATASOURCE_PASSWORD",
                "schema.json:3: literal value for adminToken",
                "values.yaml:2: literal value for password");
    }

    @Test
    void secretNamesAreTheValuesNotTheSettingsAboutThem() {
        assertThat(List.of("QUARKUS_DATASOURCE_PASSWORD", "quarkus.oidc.credentials.secret", "adminToken", "client-secret", "QUARKUS_REDIS_PASSWORD"))
                .allMatch(SecretNames::isSecret);
        assertThat(List.of("QUARKUS_OIDC_TOKEN_ISSUER", "QUARKUS_OIDC_TOKEN_AUDIENCE", "secretName", "passwordKey", "existingSecret",
                "secretKeyRef", "QUARKUS_HTTP_PORT", "RCCS_GATEWAY_INSTANCE"))
                .noneMatch(SecretNames::isSecret);
    }
}
