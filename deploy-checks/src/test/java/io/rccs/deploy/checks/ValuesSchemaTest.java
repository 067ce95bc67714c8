package io.rccs.deploy.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** values.schema.json rejects what an operator gets wrong: a key the chart does not have, a value of the wrong type. */
class ValuesSchemaTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void theChartHasASchema() {
        assertThat(Repo.chart().resolve("values.schema.json")).isRegularFile();
    }

    @Test
    void anUnknownTopLevelKeyIsRejected(@TempDir Path dir) throws IOException {
        Path values = dir.resolve("unknown.yaml");
        Files.writeString(values, "replicaCountTypo: 3\n");

        assertThatThrownBy(() -> Renders.helmTemplate(Repo.chart(), values, Map.of()))
                .hasMessageContaining("replicaCountTypo");
    }

    @Test
    void aStringForAnyReplicaCountIsRejected(@TempDir Path dir) throws IOException {
        JsonNode defaults = YAML.readTree(Repo.chart().resolve("values.yaml").toFile());
        List<List<String>> paths = new ArrayList<>();
        replicaKeys(defaults, new ArrayList<>(), paths);
        assertThat(paths).as("integer keys named like replicas in values.yaml").isNotEmpty();

        for (List<String> path : paths) {
            ObjectNode root = JsonNodeFactory.instance.objectNode();
            ObjectNode node = root;
            for (String part : path.subList(0, path.size() - 1)) {
                node = node.putObject(part);
            }
            node.put(path.get(path.size() - 1), "two");
            Path values = dir.resolve(String.join("-", path) + ".yaml");
            YAML.writeValue(values.toFile(), root);

            assertThatThrownBy(() -> Renders.helmTemplate(Repo.chart(), values, Map.of()))
                    .as("helm template with %s: \"two\"", String.join(".", path))
                    .hasMessageContaining("/" + String.join("/", path));
        }
    }

    @Test
    void theValuesFilesThemselvesAreAccepted() {
        for (String variant : List.of(Renders.HELM_DEFAULT, Renders.HELM_DEV, Renders.HELM_PROD)) {
            assertThat(Renders.get(variant).failure()).as(variant).isNull();
        }
    }

    /** Every integer whose key says replicas (replicas, replicaCount, minReplicas, maxReplicas...). */
    private static void replicaKeys(JsonNode node, List<String> path, List<List<String>> found) {
        if (!node.isObject()) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            List<String> here = new ArrayList<>(path);
            here.add(field.getKey());
            if (field.getKey().toLowerCase().contains("replica") && field.getValue().isInt()) {
                found.add(here);
            }
            replicaKeys(field.getValue(), here, found);
        }
    }
}
