package io.rccs.deploy.checks;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pieces the checks resolve with: selectors, container ports and the environment a container sees. */
class WorkloadsTest {

    private static final List<HasMetadata> CONFIG = List.of(new ConfigMapBuilder().withNewMetadata().withName("rccs-relay").endMetadata()
            .addToData("QUARKUS_HTTP_PORT", "8082").addToData("PORT", "9000").build());

    @Test
    void labelSelectorsFollowKubernetes() {
        Map<String, String> pod = Map.of("app", "relay", "tier", "backend");
        LabelSelector expressions = new LabelSelectorBuilder().addToMatchLabels("app", "relay")
                .addNewMatchExpression().withKey("tier").withOperator("In").withValues("backend", "web").endMatchExpression()
                .addNewMatchExpression().withKey("canary").withOperator("DoesNotExist").endMatchExpression()
                .addNewMatchExpression().withKey("app").withOperator("Exists").endMatchExpression()
                .addNewMatchExpression().withKey("tier").withOperator("NotIn").withValues("web").endMatchExpression()
                .build();

        assertThat(Workloads.selects(expressions, pod)).isTrue();
        assertThat(Workloads.selects(new LabelSelector(), pod)).as("{} selects every pod").isTrue();
        assertThat(Workloads.selects((LabelSelector) null, pod)).isFalse();
        assertThat(Workloads.selects(new LabelSelectorBuilder().addNewMatchExpression().withKey("tier").withOperator("NotIn")
                .withValues("backend").endMatchExpression().build(), pod)).isFalse();
        assertThat(Workloads.selects(Map.of("app", "relay"), pod)).isTrue();
        assertThat(Workloads.selects(Map.of(), pod)).as("a Service without selector selects no pod").isFalse();
    }

    @Test
    void theEnvironmentComesFromLiteralsAndRenderedConfigMaps() {
        Container literal = new ContainerBuilder().addNewEnv().withName("QUARKUS_HTTP_PORT").withValue("8080").endEnv().build();
        Container keyRef = new ContainerBuilder().addNewEnv().withName("QUARKUS_HTTP_PORT").withNewValueFrom()
                .withNewConfigMapKeyRef().withName("rccs-relay").withKey("QUARKUS_HTTP_PORT").endConfigMapKeyRef().endValueFrom().endEnv().build();
        Container envFrom = new ContainerBuilder().addNewEnvFrom().withNewConfigMapRef("rccs-relay", false).endEnvFrom().build();
        Container prefixed = new ContainerBuilder().addNewEnvFrom().withPrefix("QUARKUS_HTTP_").withNewConfigMapRef("rccs-relay", false)
                .endEnvFrom().build();
        Container fromSecret = new ContainerBuilder().addNewEnv().withName("QUARKUS_HTTP_PORT").withNewValueFrom()
                .withNewSecretKeyRef().withName("s").withKey("k").endSecretKeyRef().endValueFrom().endEnv().build();

        assertThat(OperatorChecks.httpPort(literal, CONFIG)).contains(8080);
        assertThat(OperatorChecks.httpPort(keyRef, CONFIG)).contains(8082);
        assertThat(OperatorChecks.httpPort(envFrom, CONFIG)).contains(8082);
        assertThat(OperatorChecks.httpPort(prefixed, CONFIG)).contains(9000);
        assertThat(OperatorChecks.httpPort(fromSecret, CONFIG)).isEmpty();
        assertThat(OperatorChecks.httpPort(new Container(), CONFIG)).isEmpty();
    }

    @Test
    void portsResolveByNumberOnlyWhenDeclaredAndByName() {
        Container c = new ContainerBuilder().addNewPort().withName("http").withContainerPort(8080).endPort().build();

        assertThat(Workloads.port(c, new IntOrString(8080))).isPresent();
        assertThat(Workloads.port(c, new IntOrString("http"))).isPresent();
        assertThat(Workloads.port(c, new IntOrString(8081))).isEmpty();
        assertThat(Workloads.port(c, new IntOrString("metrics"))).isEmpty();
        assertThat(Workloads.port(c, null)).isEmpty();
    }
}
