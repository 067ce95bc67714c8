package io.rccs.deploy.checks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Parses rendered YAML into the typed fabric8 model (plus Strimzi's KafkaTopic). */
public final class Manifests {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    static {
        // monitoring.coreos.com comes with openshift-model-monitoring's service file; Strimzi ships none
        SERIALIZATION.registerKubernetesResource(KafkaTopic.class);
    }

    private Manifests() {
    }

    public static KubernetesSerialization serialization() {
        return SERIALIZATION;
    }

    /** Every document of a multi-document YAML stream; empty documents (a template that rendered nothing) are skipped. */
    public static List<HasMetadata> parse(String yaml) {
        List<HasMetadata> objects = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            int index = 0;
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                index++;
                if (doc == null || doc.isNull() || doc.isMissingNode() || (doc.isObject() && doc.isEmpty())) {
                    continue;
                }
                if (!doc.isObject() || !doc.hasNonNull("kind") || !doc.hasNonNull("apiVersion")) {
                    throw new IllegalArgumentException("document " + index + " is not a Kubernetes object: " + doc);
                }
                KubernetesResource resource;
                try {
                    resource = SERIALIZATION.unmarshal(doc.toString(), KubernetesResource.class);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("document " + index + " (" + doc.path("kind").asText() + " "
                            + doc.path("metadata").path("name").asText() + ") does not fit the model: " + rootCause(e), e);
                }
                if (resource instanceof KubernetesList list) {
                    objects.addAll(list.getItems());
                } else if (resource instanceof HasMetadata object) {
                    objects.add(object);
                } else {
                    throw new IllegalArgumentException("document " + index + " has no metadata: " + doc);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the rendered YAML", e);
        }
        return objects;
    }

    private static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage().lines().findFirst().orElse("");
    }

    /** "Kind name", how every violation names an object. */
    public static String describe(HasMetadata object) {
        return object.getKind() + " " + (object.getMetadata() == null ? "?" : object.getMetadata().getName());
    }

    /** A deep copy, for tests that break one object and leave the cached render alone. */
    public static <T> T copy(T object) {
        return SERIALIZATION.clone(object);
    }

    public static List<HasMetadata> copyAll(List<HasMetadata> objects) {
        return objects.stream().map(Manifests::copy).toList();
    }

    public static String toYaml(Object object) {
        return SERIALIZATION.asYaml(object);
    }

    /** The object as the model serializes it (Quantity, IntOrString and friends in their wire form). */
    public static JsonNode toTree(Object object) {
        try {
            return JSON.readTree(SERIALIZATION.asJson(object));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
