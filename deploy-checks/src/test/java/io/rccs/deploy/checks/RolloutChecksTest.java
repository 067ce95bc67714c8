package io.rccs.deploy.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The rollout checks pass on every real render and each reports what it guards when that is broken. */
class RolloutChecksTest {

    static Stream<Arguments> everyCheckOnEveryRender() {
        return Renders.ALL.stream().flatMap(r -> RolloutChecks.all().keySet().stream().map(c -> Arguments.of(r, c)));
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("everyCheckOnEveryRender")
    void passesOnTheRealRender(String variant, String check) {
        assertThat(RolloutChecks.all().get(check).apply(Renders.get(variant).objects())).isEmpty();
    }

    @Test
    void replicasNextToAnHpaAndAWorkloadWithNeither() {
        List<HasMetadata> prod = copy(Renders.KUSTOMIZE_PROD);
        RolloutChecks.gatewaySet(prod).getSpec().setReplicas(3);
        assertThat(RolloutChecks.hpaOwnsReplicas(prod)).singleElement().asString()
                .startsWith("StatefulSet rccs-gateway: states replicas 3 although an HPA scales it");

        List<HasMetadata> dev = copy(Renders.KUSTOMIZE_DEV);
        relay(dev).getSpec().setReplicas(null);
        assertThat(RolloutChecks.hpaOwnsReplicas(dev)).containsExactly("Deployment rccs-relay: no HPA and no replicas");
    }

    @Test
    void aLiteralGatewayIndex() {
        List<HasMetadata> objects = copy(Renders.HELM_PROD);
        EnvVar index = RolloutChecks.gatewaySet(objects).getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .filter(e -> e.getName().equals("RCCS_GATEWAY_INSTANCE")).findFirst().orElseThrow();
        index.setValueFrom(null);
        index.setValue("0");

        assertThat(RolloutChecks.gatewayIndexFromOrdinal(objects)).singleElement().asString()
                .contains("RCCS_GATEWAY_INSTANCE is not the pod's ordinal");
    }

    @Test
    void aGracePeriodShorterThanTheDrain() {
        List<HasMetadata> objects = copy(Renders.KUSTOMIZE_DEV);
        RolloutChecks.gatewaySet(objects).getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(30L);
        configMap(objects, "rccs-gateway").getData().put("RCCS_GATEWAY_DRAIN_TIMEOUT", "20s");

        assertThat(RolloutChecks.drainFitsGrace(objects))
                .containsExactly("StatefulSet rccs-gateway: terminationGracePeriodSeconds 30 < drain timeout 20 s + 20 s");
    }

    @Test
    void heartbeatsThatDiffer() {
        List<HasMetadata> objects = copy(Renders.HELM_DEV);
        configMap(objects, "rccs-relay").getData().put("RCCS_RELAY_HEARTBEAT", "30s");

        assertThat(RolloutChecks.heartbeatsAgree(objects)).containsExactly("RCCS_GATEWAY_HEARTBEAT 15 s != RCCS_RELAY_HEARTBEAT 30 s");
    }

    @Test
    void minInsyncEqualToOrAboveTheReplicas() {
        List<HasMetadata> objects = copy(Renders.KUSTOMIZE_PROD);
        List<KafkaTopic> topics = Workloads.ofKind(objects, KafkaTopic.class);
        topics.get(0).getSpec().getConfig().put("min.insync.replicas", 3);
        topics.get(1).getSpec().getConfig().put("min.insync.replicas", 4);

        assertThat(RolloutChecks.minInsyncBelowReplicas(objects)).containsExactly(
                "KafkaTopic " + topics.get(0).getMetadata().getName() + ": min.insync.replicas 3 with 3 replicas",
                "KafkaTopic " + topics.get(1).getMetadata().getName() + ": min.insync.replicas 4 with 3 replicas");
    }

    @Test
    void aWorkloadMissing() {
        List<HasMetadata> objects = copy(Renders.HELM_DEFAULT);
        objects.remove(relay(objects));

        assertThat(RolloutChecks.exactlyTheWorkloads(objects)).singleElement().asString().startsWith("workloads are [");
    }

    @Test
    void theChartRefusesMoreGatewaysThanDeliveriesPartitions() {
        assertThatThrownBy(() -> Renders.helmTemplate(Repo.chart(), null,
                Map.of("gateway.autoscaling.enabled", false, "gateway.replicas", 17)))
                .hasMessageContaining("rccs.deliveries");
        assertThatThrownBy(() -> Renders.helmTemplate(Repo.chart(), null, Map.of("gateway.autoscaling.maxReplicas", 20)))
                .hasMessageContaining("rccs.deliveries");
    }

    @Test
    void theChartRefusesMinInsyncReplicasThatStopProducers() {
        assertThatThrownBy(() -> Renders.helmTemplate(Repo.chart(), null, Map.of("kafka.topics.minInsyncReplicas", 3)))
                .hasMessageContaining("kafka.topics.minInsyncReplicas (3) must be below kafka.topics.replicas (3)");
        assertThat(Renders.helmTemplate(Repo.chart(), null,
                Map.of("kafka.topics.minInsyncReplicas", 1, "kafka.topics.replicas", 1))).contains("kind: KafkaTopic");
    }

    @Test
    void durations() {
        assertThat(RolloutChecks.duration("15s").toMillis()).isEqualTo(15_000);
        assertThat(RolloutChecks.duration("500ms").toMillis()).isEqualTo(500);
        assertThat(RolloutChecks.duration("5m").toSeconds()).isEqualTo(300);
        assertThat(RolloutChecks.duration("10").toSeconds()).isEqualTo(10);
        assertThat(RolloutChecks.duration("1D").toHours()).isEqualTo(24);
        assertThatThrownBy(() -> RolloutChecks.duration("PT10S")).isInstanceOf(IllegalArgumentException.class);
    }

    private static List<HasMetadata> copy(String variant) {
        return new java.util.ArrayList<>(Manifests.copyAll(Renders.get(variant).objects()));
    }

    private static Deployment relay(List<HasMetadata> objects) {
        return Workloads.ofKind(objects, Deployment.class).stream().filter(d -> d.getMetadata().getName().equals("rccs-relay"))
                .findFirst().orElseThrow();
    }

    private static ConfigMap configMap(List<HasMetadata> objects, String name) {
        return Workloads.ofKind(objects, ConfigMap.class).stream().filter(c -> c.getMetadata().getName().equals(name))
                .findFirst().orElseThrow();
    }
}
