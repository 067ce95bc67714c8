package io.rccs.deploy.checks;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** The workloads (Deployments and StatefulSets) of a render and what selects them. */
public final class Workloads {

    /** A workload: the object, its pod template and its replicas (null when unset). */
    public record Workload(HasMetadata object, PodTemplateSpec template, Integer replicas) {
        public String name() {
            return object.getMetadata().getName();
        }

        public String describe() {
            return Manifests.describe(object);
        }

        public Map<String, String> podLabels() {
            return template.getMetadata() == null || template.getMetadata().getLabels() == null
                    ? Map.of() : template.getMetadata().getLabels();
        }

        public List<Container> containers() {
            return template.getSpec() == null || template.getSpec().getContainers() == null
                    ? List.of() : template.getSpec().getContainers();
        }
    }

    private Workloads() {
    }

    public static List<Workload> of(List<HasMetadata> objects) {
        List<Workload> workloads = new ArrayList<>();
        for (HasMetadata object : objects) {
            if (object instanceof Deployment d && d.getSpec() != null) {
                workloads.add(new Workload(d, d.getSpec().getTemplate(), d.getSpec().getReplicas()));
            } else if (object instanceof StatefulSet s && s.getSpec() != null) {
                workloads.add(new Workload(s, s.getSpec().getTemplate(), s.getSpec().getReplicas()));
            }
        }
        return workloads;
    }

    /** The gateway: the StatefulSet (its ordinal is the gateway index) whose name says gateway. */
    public static Optional<Workload> gateway(List<HasMetadata> objects) {
        return of(objects).stream()
                .filter(w -> w.object() instanceof StatefulSet && w.name().contains("gateway"))
                .findFirst();
    }

    public static <T extends HasMetadata> List<T> ofKind(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** A Service-style selector (plain labels): every pair present. An empty or null selector selects nothing here. */
    public static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        if (selector == null || selector.isEmpty()) {
            return false;
        }
        return selector.entrySet().stream().allMatch(e -> Objects.equals(labels.get(e.getKey()), e.getValue()));
    }

    /** A LabelSelector: null selects nothing, {} selects everything. */
    public static boolean selects(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        if (selector.getMatchLabels() != null && !selector.getMatchLabels().entrySet().stream()
                .allMatch(e -> Objects.equals(labels.get(e.getKey()), e.getValue()))) {
            return false;
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                String value = labels.get(r.getKey());
                List<String> values = r.getValues() == null ? List.of() : r.getValues();
                boolean ok = switch (r.getOperator()) {
                    case "In" -> value != null && values.contains(value);
                    case "NotIn" -> value == null || !values.contains(value);
                    case "Exists" -> value != null;
                    case "DoesNotExist" -> value == null;
                    default -> false;
                };
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The container port a probe or Service names: by number (must be declared) or by name. */
    public static Optional<ContainerPort> port(Container container, IntOrString port) {
        if (port == null || container.getPorts() == null) {
            return Optional.empty();
        }
        return container.getPorts().stream().filter(p -> port.getIntVal() != null
                ? Objects.equals(p.getContainerPort(), port.getIntVal())
                : Objects.equals(p.getName(), port.getStrVal())).findFirst();
    }

    /**
     * The value of an environment variable as the container sees it: a literal, or read from a rendered ConfigMap
     * (configMapKeyRef or envFrom). Empty when it is not set or comes from elsewhere (a Secret, the downward API).
     */
    public static Optional<String> env(Container container, String name, List<HasMetadata> objects) {
        if (container.getEnv() != null) {
            for (EnvVar var : container.getEnv()) {
                if (name.equals(var.getName())) {
                    if (var.getValue() != null) {
                        return Optional.of(var.getValue());
                    }
                    if (var.getValueFrom() != null && var.getValueFrom().getConfigMapKeyRef() != null) {
                        return configMapValue(objects, var.getValueFrom().getConfigMapKeyRef().getName(),
                                var.getValueFrom().getConfigMapKeyRef().getKey());
                    }
                    return Optional.empty();
                }
            }
        }
        if (container.getEnvFrom() != null) {
            // later sources win, as in the kubelet
            Optional<String> found = Optional.empty();
            for (EnvFromSource from : container.getEnvFrom()) {
                if (from.getConfigMapRef() != null) {
                    String prefix = from.getPrefix() == null ? "" : from.getPrefix();
                    if (name.startsWith(prefix)) {
                        Optional<String> v = configMapValue(objects, from.getConfigMapRef().getName(), name.substring(prefix.length()));
                        if (v.isPresent()) {
                            found = v;
                        }
                    }
                }
            }
            return found;
        }
        return Optional.empty();
    }

    private static Optional<String> configMapValue(List<HasMetadata> objects, String configMap, String key) {
        return ofKind(objects, ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getName().equals(configMap) && c.getData() != null)
                .map(c -> c.getData().get(key)).filter(Objects::nonNull).findFirst();
    }
}
