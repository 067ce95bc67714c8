package io.rccs.deploy.checks;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chart with ci/dev-values.yaml is the dev overlay, with ci/prod-values.yaml the prod overlay. */
class DriftTest {

    @Test
    void helmDevIsTheDevOverlay() {
        assertThat(Drift.compare("helm", Renders.get(Renders.HELM_DEV).objects(), "kustomize", Renders.get(Renders.KUSTOMIZE_DEV).objects()))
                .isEmpty();
    }

    @Test
    void helmProdIsTheProdOverlay() {
        assertThat(Drift.compare("helm", Renders.get(Renders.HELM_PROD).objects(), "kustomize", Renders.get(Renders.KUSTOMIZE_PROD).objects()))
                .isEmpty();
    }

    @Test
    void helmAndKustomizeAgreeOnEverythingButMetadataInDev() {
        assertThat(Drift.compareEverything("helm", Renders.get(Renders.HELM_DEV).objects(), "kustomize",
                Renders.get(Renders.KUSTOMIZE_DEV).objects())).isEmpty();
    }

    @Test
    void helmAndKustomizeAgreeOnEverythingButMetadataInProd() {
        assertThat(Drift.compareEverything("helm", Renders.get(Renders.HELM_PROD).objects(), "kustomize",
                Renders.get(Renders.KUSTOMIZE_PROD).objects())).isEmpty();
    }

    @Test
    void theStrictComparisonSeesAffinityAndIgnoresHelmsBookkeeping() {
        List<HasMetadata> kustomize = Renders.get(Renders.KUSTOMIZE_PROD).objects();
        List<HasMetadata> helm = Renders.get(Renders.KUSTOMIZE_PROD).objects();
        Workloads.Workload gateway = Workloads.gateway(helm).orElseThrow();
        gateway.template().getSpec().setTerminationGracePeriodSeconds(1L);
        gateway.template().getMetadata().setAnnotations(new java.util.HashMap<>(java.util.Map.of("checksum/config", "abc")));
        gateway.template().getMetadata().getLabels().put("helm.sh/chart", "rccs-0.1.0");
        gateway.object().getMetadata().setNamespace("elsewhere");
        gateway.object().getMetadata().getLabels().put("app.kubernetes.io/managed-by", "Helm");

        assertThat(Drift.compareEverything("helm", helm, "kustomize", kustomize)).singleElement().asString()
                .startsWith("StatefulSet " + gateway.name() + ".spec.template.spec.terminationGracePeriodSeconds: helm=1, kustomize=");
    }

    @Test
    void anEnvironmentDifferenceIsReportedPerVariable() {
        List<HasMetadata> kustomize = Renders.get(Renders.KUSTOMIZE_PROD).objects();
        List<HasMetadata> helm = Renders.get(Renders.KUSTOMIZE_PROD).objects();
        Workloads.Workload gateway = Workloads.gateway(helm).orElseThrow();
        Container c = gateway.containers().get(0);
        c.getEnv().add(new EnvVar("RCCS_EXTRA", "1", null));
        c.getEnv().stream().filter(e -> e.getName().equals(OperatorChecks.HTTP_PORT_ENV)).findFirst()
                .ifPresentOrElse(e -> {
                    e.setValueFrom(null);
                    e.setValue("9090");
                }, () -> c.getEnv().add(new EnvVar(OperatorChecks.HTTP_PORT_ENV, "9090", null)));
        String port = OperatorChecks.httpPort(Workloads.gateway(kustomize).orElseThrow().containers().get(0), kustomize)
                .map(String::valueOf).orElse("(absent)");

        List<String> drift = Drift.compare("helm", helm, "kustomize", kustomize);

        String where = "StatefulSet " + gateway.name() + " container " + c.getName() + " env";
        assertThat(drift).containsExactlyInAnyOrder(
                where + ".QUARKUS_HTTP_PORT: helm=value 9090, kustomize=" + ("(absent)".equals(port) ? port : "value " + port),
                where + ".RCCS_EXTRA: helm=value 1, kustomize=(absent)");
    }

    @Test
    void replicasImagesResourcesPortsAndObjectsAreCompared() {
        List<HasMetadata> kustomize = Renders.get(Renders.KUSTOMIZE_DEV).objects();
        List<HasMetadata> helm = new ArrayList<>(Renders.get(Renders.KUSTOMIZE_DEV).objects());
        Workloads.Workload gateway = Workloads.gateway(helm).orElseThrow();
        ((io.fabric8.kubernetes.api.model.apps.StatefulSet) gateway.object()).getSpec().setReplicas(7);
        Container c = gateway.containers().get(0);
        c.setImage("elsewhere/rccs-gateway:other");
        Quantity cpu = c.getResources().getRequests().get("cpu");
        // the same amount written another way is no drift; a different amount is
        c.getResources().getRequests().put("cpu", new Quantity(Quantity.getAmountInBytes(cpu).multiply(java.math.BigDecimal.valueOf(1000)).toPlainString() + "m"));
        c.getResources().getLimits().put("memory", new Quantity("1Pi"));
        HasMetadata service = helm.stream().filter(io.fabric8.kubernetes.api.model.Service.class::isInstance).findFirst().orElseThrow();
        helm.remove(service);
        helm.add(new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata().withName("helm-only").endMetadata().build());

        List<String> drift = Drift.compare("helm", helm, "kustomize", kustomize);

        String key = "StatefulSet " + gateway.name();
        assertThat(drift).contains("ConfigMap helm-only: only in helm", "Service " + service.getMetadata().getName() + ": only in kustomize")
                .anyMatch(d -> d.startsWith(key + " replicas: helm=7, kustomize="))
                .anyMatch(d -> d.startsWith(key + " container " + c.getName() + " image: helm=elsewhere/rccs-gateway:other, kustomize="))
                .anyMatch(d -> d.startsWith(key + " container " + c.getName() + " resources.limits.memory: helm=1" ))
                .noneMatch(d -> d.contains("resources.requests.cpu"));
    }
}
