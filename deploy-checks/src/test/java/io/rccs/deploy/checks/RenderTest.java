package io.rccs.deploy.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.provider.ValueSource;

import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** Both ways of installing render: the Kustomize overlays and the chart with its default, dev and prod values. */
class RenderTest {

    static final List<String> RENDERS = Renders.ALL;

    @ParameterizedTest(name = "{0}")
    @FieldSource("RENDERS")
    void renders(String variant) {
        List<HasMetadata> objects = Renders.get(variant).objects();

        assertThat(objects).as("objects rendered by " + variant).isNotEmpty();
        assertThat(objects).extracting(HasMetadata::getKind).contains("StatefulSet", "Deployment", "Service", "KafkaTopic");
    }

    @Test
    void helmLintStrictPasses() {
        LintResult lint = Renders.helmLint(Repo.chart());

        assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ci/dev-values.yaml", "ci/prod-values.yaml"})
    void helmLintStrictPassesWithTheCiValues(String values) {
        LintResult lint = Renders.helmLint(Repo.chart(), Repo.chart().resolve(values));

        assertThat(lint.isFailed()).as("helm lint --strict -f %s: %s", values, lint.getMessages()).isFalse();
    }

    @Test
    void helmLintStrictFailsOnValuesTheSchemaRejects(@TempDir Path dir) throws IOException {
        Path values = dir.resolve("bad.yaml");
        Files.writeString(values, "replicaCountTypo: 3\n");

        LintResult lint = Renders.helmLint(Repo.chart(), values);

        assertThat(lint.isFailed()).as("lint messages %s", lint.getMessages()).isTrue();
        assertThat(String.join("\n", lint.getMessages())).contains("replicaCountTypo");
    }

    @Test
    void valuesMergeLikeHelm() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode merged = Renders.merge(yaml.readTree("a: {b: 1, c: [1, 2], d: {e: 1}}\nf: 1\n"), yaml.readTree("a: {b: 2, c: [3], d: null}\ng: 1\n"));

        assertThat(merged).isEqualTo(yaml.readTree("a: {b: 2, c: [3]}\nf: 1\ng: 1\n"));
    }

    @Test
    void kubectlIsFound() {
        assertThat(Renders.kubectl()).endsWith("kubectl");
    }

    @Test
    void aMissingKubectlFailsWithAMessageThatSaysSo(@TempDir Path empty) {
        assertThatThrownBy(() -> Renders.kubectl(Map.of("PATH", empty.toString()), empty.resolve("kubectl")))
                .hasMessageStartingWith("kubectl is not installed");
        assertThat(Renders.kubectl(Map.of("KUBECTL", "/opt/k/kubectl"), empty.resolve("kubectl"))).isEqualTo("/opt/k/kubectl");
    }
}
