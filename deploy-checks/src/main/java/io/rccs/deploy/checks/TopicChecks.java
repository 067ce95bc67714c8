package io.rccs.deploy.checks;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The Kafka topics: the KafkaTopics of a render against deploy/topics.conf and against what the services use. */
public final class TopicChecks {

    /** The services that talk to Kafka, by module directory. */
    public static final List<String> SERVICES = List.of("rccs-gateway", "device-relay-service", "command-queue-service");

    private static final Pattern TOPIC_PROPERTY =
            Pattern.compile("^\\s*mp\\.messaging\\.(incoming|outgoing)\\.([^.=\\s]+)\\.topic\\s*[=:]\\s*(.+?)\\s*$");
    private static final Pattern PLACEHOLDER_DEFAULT = Pattern.compile("^\\$\\{[^:}]+:([^}]*)}$");

    private TopicChecks() {
    }

    /** The topic a KafkaTopic creates: spec.topicName, else metadata.name (Strimzi's rule). */
    public static String topicName(KafkaTopic topic) {
        return topic.getSpec() != null && topic.getSpec().getTopicName() != null
                ? topic.getSpec().getTopicName() : topic.getMetadata().getName();
    }

    /** The KafkaTopics are exactly topics.conf, with its partitions, retention.ms and cleanup.policy. */
    public static List<String> matchTopicsConf(List<HasMetadata> objects, List<TopicsConf.Topic> expected) {
        List<String> violations = new ArrayList<>();
        Map<String, KafkaTopic> rendered = new TreeMap<>();
        for (KafkaTopic topic : Workloads.ofKind(objects, KafkaTopic.class)) {
            if (rendered.put(topicName(topic), topic) != null) {
                violations.add("KafkaTopic for " + topicName(topic) + " is declared twice");
            }
        }
        for (TopicsConf.Topic t : expected) {
            KafkaTopic topic = rendered.remove(t.name());
            if (topic == null) {
                violations.add("topics.conf has " + t.name() + " but no KafkaTopic declares it");
                continue;
            }
            String where = Manifests.describe(topic) + " (" + t.name() + ")";
            if (topic.getSpec() == null) {
                violations.add(where + ": no spec");
                continue;
            }
            if (!Objects.equals(topic.getSpec().getPartitions(), t.partitions())) {
                violations.add(where + ": partitions " + topic.getSpec().getPartitions() + ", topics.conf says " + t.partitions());
            }
            Map<String, Object> config = topic.getSpec().getConfig() == null ? Map.of() : topic.getSpec().getConfig();
            Object retention = config.get("retention.ms");
            if (retention == null || !String.valueOf(t.retentionMs()).equals(String.valueOf(retention).strip())) {
                violations.add(where + ": retention.ms " + retention + ", topics.conf says " + t.retentionMs());
            }
            Object cleanup = config.get("cleanup.policy");
            if (cleanup == null || !t.cleanupPolicy().equals(String.valueOf(cleanup).strip())) {
                violations.add(where + ": cleanup.policy " + cleanup + ", topics.conf says " + t.cleanupPolicy());
            }
        }
        rendered.keySet().forEach(name -> violations.add("KafkaTopic " + name + " is not in topics.conf"));
        return violations;
    }

    /** Every topic a service's application.properties configures (mp.messaging.*.*.topic; %profile lines ignored). */
    public static Map<String, Set<String>> configuredTopics(Path root) {
        Map<String, Set<String>> topics = new TreeMap<>();
        for (String service : SERVICES) {
            Path file = root.resolve(service).resolve("src/main/resources/application.properties");
            try {
                for (String line : Files.readAllLines(file)) {
                    Matcher m = TOPIC_PROPERTY.matcher(line);
                    if (m.matches()) {
                        String value = m.group(3);
                        Matcher d = PLACEHOLDER_DEFAULT.matcher(value);
                        topics.computeIfAbsent(d.matches() ? d.group(1) : value, k -> new TreeSet<>())
                                .add(service + " " + m.group(1) + " " + m.group(2));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return topics;
    }

    /** Every configured topic exists as a KafkaTopic. */
    public static List<String> configuredTopicsExist(List<HasMetadata> objects, Map<String, Set<String>> configured) {
        Set<String> declared = new TreeSet<>();
        Workloads.ofKind(objects, KafkaTopic.class).forEach(t -> declared.add(topicName(t)));
        List<String> violations = new ArrayList<>();
        configured.forEach((topic, users) -> {
            if (!declared.contains(topic)) {
                violations.add("topic " + topic + " (used by " + String.join(", ", users) + ") has no KafkaTopic");
            }
        });
        return violations;
    }
}
