package io.rccs.deploy.checks;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.rccs.deploy.checks.Workloads.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The operator checks on every real render, and each one on a render broken in the way it guards against. A broken
 * copy is judged by what it adds to the real render's result, so these tests hold even while a real render fails a
 * check for another reason.
 */
class OperatorChecksTest {

    static final List<String> RENDERS = Renders.ALL;

    static Stream<Arguments> everyCheckOnEveryRender() {
        return Renders.ALL.stream().flatMap(r -> OperatorChecks.renderOnly().keySet().stream().map(c -> Arguments.of(r, c)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("everyCheckOnEveryRender")
    void passesOnTheRealRender(String variant, String check) {
        assertThat(OperatorChecks.renderOnly().get(check).apply(Renders.get(variant).objects())).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("RENDERS")
    void gatewayStaysWithinTheDeliveriesPartitions(String variant) {
        assertThat(OperatorChecks.gatewayWithinPartitions(Renders.get(variant).objects(), deliveriesPartitions())).isEmpty();
    }

    // ---- each check fails when what it guards is broken ---------------------------------------------------------

    @Test
    void aRemovedProbeOrLimitIsReported() {
        List<String> added = added(OperatorChecks::resourcesAndProbes, objects -> {
            Container c = gateway(objects).containers().get(0);
            c.setReadinessProbe(null);
            c.getResources().getLimits().remove("memory");
        });

        String container = "StatefulSet " + gatewayName() + " container " + gatewayContainer();
        assertThat(added).containsExactlyInAnyOrder(container + ": no readinessProbe", container + ": no memory limit");
    }

    @Test
    void aWrongProbePortIsReported() {
        List<String> added = added(OperatorChecks::probeEndpoints,
                objects -> gateway(objects).containers().get(0).getLivenessProbe().getHttpGet().setPort(new IntOrString(9999)));

        assertThat(added).singleElement().asString().contains("livenessProbe: port 9999 is not a port of the container");
    }

    @Test
    void aProbeOnAnotherDeclaredPortOrPathIsReported() {
        List<String> added = added(OperatorChecks::probeEndpoints, objects -> {
            Container c = gateway(objects).containers().get(0);
            c.getPorts().add(new io.fabric8.kubernetes.api.model.ContainerPortBuilder().withName("other").withContainerPort(9000).build());
            c.getStartupProbe().getHttpGet().setPort(new IntOrString("other"));
            c.getReadinessProbe().getHttpGet().setPath("/q/health");
        });

        assertThat(added).hasSize(2)
                .anyMatch(v -> v.endsWith("startupProbe: port other is 9000 but the service listens on QUARKUS_HTTP_PORT="
                        + OperatorChecks.httpPort(gateway(real()).containers().get(0), real()).orElseThrow()))
                .anyMatch(v -> v.endsWith("readinessProbe: path /q/health, expected /q/health/ready"));
    }

    @Test
    void aServiceMonitorOnAWrongPathOrPortIsReported() {
        List<String> added = added(OperatorChecks::serviceMonitors, objects -> {
            ServiceMonitor m = Workloads.ofKind(objects, ServiceMonitor.class).get(0);
            m.getSpec().getEndpoints().get(0).setPath("/metrics");
            m.getSpec().getEndpoints().get(0).setPort("no-such-port");
        });

        assertThat(added).anyMatch(v -> v.contains("path /metrics, expected /q/metrics"))
                .anyMatch(v -> v.contains("port no-such-port is not a port name of Service"));
    }

    @Test
    void aServiceTargetPortNoPodHasIsReported() {
        List<String> added = added(OperatorChecks::serviceTargetPorts, objects -> Workloads.ofKind(objects, Service.class).stream()
                .filter(s -> s.getSpec().getSelector() != null && !s.getSpec().getSelector().isEmpty()).findFirst().orElseThrow()
                .getSpec().getPorts().get(0).setTargetPort(new IntOrString("nope")));

        assertThat(added).isNotEmpty().allMatch(v -> v.contains("targetPort nope is not a container port of"));
    }

    @Test
    void anIngressBackendOnAMissingServicePortIsReported() {
        List<String> added = added(OperatorChecks::ingressBackends, objects -> {
            var ingress = Workloads.ofKind(objects, io.fabric8.kubernetes.api.model.networking.v1.Ingress.class).get(0);
            var paths = ingress.getSpec().getRules().get(0).getHttp().getPaths();
            var elsewhere = Manifests.copy(paths.get(0));
            elsewhere.getBackend().getService().setName("rccs-nowhere");
            paths.get(0).getBackend().getService().setPort(new io.fabric8.kubernetes.api.model.networking.v1.ServiceBackendPort("websocket", null));
            paths.add(elsewhere);
        });

        assertThat(added).anyMatch(v -> v.endsWith(": port websocket is not a port of the Service"))
                .anyMatch(v -> v.endsWith("backend rccs-nowhere: no such Service in the render"));
    }

    @Test
    void aSecretWithDataIsReported() {
        List<String> added = added(OperatorChecks::noSecretValues, objects -> objects.add(new SecretBuilder()
                .withNewMetadata().withName("rccs-db").endMetadata().addToData("password", "c2VjcmV0").build()));

        assertThat(added).containsExactly("Secret rccs-db: carries data [password]");
    }

    @Test
    void aLiteralPasswordInTheEnvironmentIsReported() {
        List<String> added = added(OperatorChecks::noSecretValues, objects -> {
            Container c = Workloads.of(objects).stream().filter(w -> w.object() instanceof Deployment).findFirst().orElseThrow()
                    .containers().get(0);
            c.getEnv().add(new EnvVar("QUARKUS_DATASOURCE_PASSWORD", "hunter2", null));
            c.getEnv().add(new EnvVar("QUARKUS_OIDC_TOKEN_ISSUER", "https://id.example.com/realms/rccs", null));
        });

        assertThat(added).singleElement().asString()
                .endsWith(": env QUARKUS_DATASOURCE_PASSWORD has a literal value (use valueFrom.secretKeyRef)");
    }

    @Test
    void theGatewayScaledPastTheDeliveriesPartitionsIsReported() {
        int partitions = deliveriesPartitions();
        List<HasMetadata> objects = real();
        ((StatefulSet) gateway(objects).object()).getSpec().setReplicas(partitions + 1);
        objects.add(new HorizontalPodAutoscalerBuilder().withNewMetadata().withName("too-many").endMetadata()
                .withNewSpec().withMaxReplicas(partitions + 4)
                .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("StatefulSet").withName(gatewayName()).endScaleTargetRef()
                .endSpec().build());

        assertThat(OperatorChecks.gatewayWithinPartitions(objects, partitions)).containsExactly(
                "StatefulSet " + gatewayName() + ": replicas " + (partitions + 1) + " > " + partitions + " partitions of rccs.deliveries",
                "HorizontalPodAutoscaler too-many: maxReplicas " + (partitions + 4) + " > " + partitions + " partitions of rccs.deliveries");
    }

    @Test
    void aWorkloadWithoutItsBudgetAccountOrClosedPolicyIsReported() {
        List<String> added = added(OperatorChecks::podPolicies, objects -> {
            Workload relay = Workloads.of(objects).stream().filter(w -> w.object() instanceof Deployment).findFirst().orElseThrow();
            objects.removeIf(o -> o instanceof PodDisruptionBudget b && Workloads.selects(b.getSpec().getSelector(), relay.podLabels()));
            relay.template().getSpec().setServiceAccountName(null);
            NetworkPolicy policy = Workloads.ofKind(objects, NetworkPolicy.class).stream()
                    .filter(p -> Workloads.selects(p.getSpec().getPodSelector(), relay.podLabels())).findFirst().orElseThrow();
            List<NetworkPolicyIngressRule> rules = new ArrayList<>(policy.getSpec().getIngress() == null ? List.of() : policy.getSpec().getIngress());
            rules.add(new NetworkPolicyIngressRule());
            policy.getSpec().setIngress(rules);
        });

        assertThat(added).anyMatch(v -> v.endsWith(": no PodDisruptionBudget selects its pods"))
                .anyMatch(v -> v.endsWith(": no serviceAccountName (it would run as the namespace's default account)"))
                .anyMatch(v -> v.endsWith(": admits traffic from anywhere (no from)"))
                .anyMatch(v -> v.endsWith(": admits every port; only the HTTP port (metrics) may be open"));
    }

    @Test
    void aWorkloadNoNetworkPolicySelectsIsReported() {
        List<String> added = added(OperatorChecks::podPolicies, objects -> objects.removeIf(o -> o instanceof NetworkPolicy));

        assertThat(added).hasSizeGreaterThanOrEqualTo(3).allMatch(v -> v.endsWith(": no NetworkPolicy restricts ingress to its pods"));
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** A fresh, mutable copy of the prod Kustomize render (the most complete one). */
    private static List<HasMetadata> real() {
        return new ArrayList<>(Renders.get(Renders.KUSTOMIZE_PROD).objects());
    }

    /** What a check reports on a broken copy of the real render and not on the real render itself. */
    private static List<String> added(Function<List<HasMetadata>, List<String>> check, java.util.function.Consumer<List<HasMetadata>> breakIt) {
        List<String> before = check.apply(real());
        List<HasMetadata> broken = real();
        breakIt.accept(broken);
        List<String> after = new ArrayList<>(check.apply(broken));
        after.removeAll(before);
        return after;
    }

    private static Workload gateway(List<HasMetadata> objects) {
        return Workloads.gateway(objects).orElseThrow(() -> new AssertionError("the render has no gateway StatefulSet"));
    }

    private static String gatewayName() {
        return gateway(real()).name();
    }

    private static String gatewayContainer() {
        return gateway(real()).containers().get(0).getName();
    }

    private static int deliveriesPartitions() {
        return TopicsConf.partitionsOf(TopicsConf.read(Repo.topicsConf()), "rccs.deliveries");
    }
}
