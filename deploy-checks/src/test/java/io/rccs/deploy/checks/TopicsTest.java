package io.rccs.deploy.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** The KafkaTopics are deploy/topics.conf, and every topic a service configures is one of them. */
class TopicsTest {

    static final List<String> RENDERS = Renders.ALL;

    @Test
    void topicsConfReadsThreeAndFourColumns() {
        List<TopicsConf.Topic> topics = TopicsConf.parse("""
                # name partitions retention.ms cleanup.policy
                a.b   12  604800000
                  c.d 3   86400000   compact

                """);

        assertThat(topics).containsExactly(
                new TopicsConf.Topic("a.b", 12, 604800000L, "delete"),
                new TopicsConf.Topic("c.d", 3, 86400000L, "compact"));
        assertThatThrownBy(() -> TopicsConf.parse("a.b 12\n")).hasMessageContaining("line 1");
    }

    @Test
    void theRepositoryTopicsConfHasTheDeliveriesTopic() {
        assertThat(TopicsConf.partitionsOf(TopicsConf.read(Repo.topicsConf()), "rccs.deliveries")).isPositive();
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("RENDERS")
    void kafkaTopicsAreTopicsConf(String variant) {
        List<HasMetadata> objects = Renders.get(variant).objects();

        assertThat(Workloads.ofKind(objects, KafkaTopic.class)).as("parsed with the Strimzi model").isNotEmpty();
        assertThat(TopicChecks.matchTopicsConf(objects, TopicsConf.read(Repo.topicsConf()))).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("RENDERS")
    void everyTopicAServiceConfiguresIsAKafkaTopic(String variant) {
        Map<String, Set<String>> configured = TopicChecks.configuredTopics(Repo.root());

        assertThat(configured).as("topics found in the services' application.properties").containsKey("rccs.deliveries");
        assertThat(TopicChecks.configuredTopicsExist(Renders.get(variant).objects(), configured)).isEmpty();
    }

    @Test
    void aTopicMissingFromTheKafkaTopicsIsReported() {
        List<HasMetadata> objects = new ArrayList<>(Renders.get(Renders.KUSTOMIZE_PROD).objects());
        boolean removed = objects.removeIf(o -> o instanceof KafkaTopic t && TopicChecks.topicName(t).equals("rccs.deliveries"));
        assertThat(removed).isTrue();

        assertThat(TopicChecks.matchTopicsConf(objects, TopicsConf.read(Repo.topicsConf())))
                .containsExactly("topics.conf has rccs.deliveries but no KafkaTopic declares it");
        assertThat(TopicChecks.configuredTopicsExist(objects, TopicChecks.configuredTopics(Repo.root())))
                .singleElement().asString().startsWith("topic rccs.deliveries (used by ").contains("rccs-gateway incoming deliveries");
    }

    @Test
    void aTopicWithOtherPartitionsRetentionOrPolicyIsReported() {
        List<HasMetadata> objects = Renders.get(Renders.HELM_PROD).objects();
        KafkaTopic frames = Workloads.ofKind(objects, KafkaTopic.class).stream()
                .filter(t -> TopicChecks.topicName(t).equals("rccs.frames.in")).findFirst().orElseThrow();
        frames.getSpec().setPartitions(frames.getSpec().getPartitions() + 1);
        frames.getSpec().getConfig().put("retention.ms", 1);
        frames.getSpec().getConfig().put("cleanup.policy", "compact");

        assertThat(TopicChecks.matchTopicsConf(objects, TopicsConf.read(Repo.topicsConf())))
                .hasSize(3).allMatch(v -> v.contains("(rccs.frames.in)"))
                .anyMatch(v -> v.contains("partitions")).anyMatch(v -> v.contains("retention.ms 1,")).anyMatch(v -> v.contains("cleanup.policy compact"));
    }

    @Test
    void aKafkaTopicNotInTopicsConfIsReported() {
        List<HasMetadata> objects = Renders.get(Renders.KUSTOMIZE_DEV).objects();
        List<TopicsConf.Topic> fewer = TopicsConf.read(Repo.topicsConf()).stream()
                .filter(t -> !t.name().equals("rccs.session.events")).toList();

        assertThat(TopicChecks.matchTopicsConf(objects, fewer)).containsExactly("KafkaTopic rccs.session.events is not in topics.conf");
    }

    @Test
    void profileLinesAndOtherPropertiesAreNotTopics() {
        assertThat(TopicChecks.configuredTopics(Repo.root()).keySet()).allMatch(t -> t.startsWith("rccs.")).doesNotContain("");
    }
}
