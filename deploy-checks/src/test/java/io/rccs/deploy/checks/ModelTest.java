package io.rccs.deploy.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** Every rendered object is a kind the model knows and has no field the model does not know. */
class ModelTest {

    static final List<String> RENDERS = Renders.ALL;

    @ParameterizedTest(name = "{0}")
    @FieldSource("RENDERS")
    void everyKindIsKnown(String variant) {
        assertThat(ModelChecks.unknownKinds(Renders.get(variant).objects())).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("RENDERS")
    void noFieldIsUnknown(String variant) {
        assertThat(ModelChecks.unknownFields(Renders.get(variant).objects())).isEmpty();
    }

    @Test
    void aMisspelledProbeFieldIsReportedWithItsPath() {
        String yaml = Renders.get(Renders.KUSTOMIZE_PROD).yaml();
        assertThat(yaml).contains("httpGet:");

        List<String> violations = ModelChecks.unknownFields(Manifests.parse(yaml.replaceFirst("httpGet:", "httpGett:")));

        assertThat(violations).hasSize(1);
        assertThat(violations.get(0)).matches("\\w+ [\\w.-]+: spec\\.template\\.spec\\.(init)?[cC]ontainers\\[\\d+]\\.\\w+Probe\\.httpGett");
    }

    @Test
    void anUnknownFieldDeepInAnObjectIsReported() {
        String yaml = Renders.get(Renders.HELM_PROD).yaml();
        assertThat(yaml).contains("kind: KafkaTopic");

        String broken = yaml.replaceFirst("(?m)^(\\s+)partitions: (\\d+)$", "$1partitions: $2\n$1partitionz: $2");
        List<String> violations = ModelChecks.unknownFields(Manifests.parse(broken));

        assertThat(violations).singleElement().asString().startsWith("KafkaTopic ").endsWith(": spec.partitionz");
    }

    @Test
    void aKindTheModelDoesNotKnowIsReported() {
        String yaml = Renders.get(Renders.KUSTOMIZE_DEV).yaml()
                + "\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 1\n";
        List<HasMetadata> objects = Manifests.parse(yaml);

        assertThat(ModelChecks.unknownKinds(objects)).containsExactly("Widget w: kind Widget of example.com/v1 is unknown to the fabric8/Strimzi model");
        assertThat(ModelChecks.unknownFields(objects)).as("reported once, as an unknown kind").isEmpty();
    }

    @Test
    void aValueOfTheWrongTypeFailsTheParseNamingTheObject() {
        assertThatThrownBy(() -> Manifests.parse("apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: g\nspec:\n  replicas: two\n"))
                .hasMessageStartingWith("document 1 (StatefulSet g) does not fit the model: ")
                .hasMessageContaining("two");
    }

    @Test
    void aKnownKindUnderAnApiVersionItWasNeverServedInIsUnknown() {
        List<HasMetadata> objects = Manifests.parse("apiVersion: apps/v9\nkind: Deployment\nmetadata:\n  name: d\n");

        assertThat(ModelChecks.unknownKinds(objects)).hasSize(1);
    }
}
