package io.rccs.deploy.checks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.rccs.deploy.checks.Workloads.Workload;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Helm against Kustomize for the same settings: the same objects, and for what decides how the system runs (replicas,
 * images, ports, probes, environment, resources, Service ports, topics, alert rules) the same values. Metadata is not
 * compared, so the namespace and the labels Helm adds do not count; a Helm test hook has no Kustomize twin and is
 * left out. Scalars compare by their text (1 and "1" are the same value), quantities by amount (1 and 1000m).
 */
public final class Drift {

    private Drift() {
    }

    public static List<String> compare(String leftName, List<HasMetadata> left, String rightName, List<HasMetadata> right) {
        Sides sides = new Sides(leftName, rightName);
        List<String> out = new ArrayList<>();
        Map<String, HasMetadata> l = byKey(left);
        Map<String, HasMetadata> r = byKey(right);
        renderedByBoth(sides, l, r, out);
        for (Workload lw : Workloads.of(left)) {
            Workload rw = Workloads.of(right).stream()
                    .filter(w -> key(w.object()).equals(key(lw.object()))).findFirst().orElse(null);
            if (rw != null) {
                compareWorkload(sides, lw, left, rw, right, out);
            }
        }
        for (String key : l.keySet()) {
            HasMetadata a = l.get(key);
            HasMetadata b = r.get(key);
            if (b == null) {
                continue;
            }
            if (a instanceof Service sa && b instanceof Service sb) {
                diff(sides, key + " ports", servicePorts(sa), servicePorts(sb), out);
            } else if (a instanceof KafkaTopic ta && b instanceof KafkaTopic tb) {
                diff(sides, key + " spec", Manifests.toTree(ta.getSpec()), Manifests.toTree(tb.getSpec()), out);
            } else if (a instanceof PrometheusRule pa && b instanceof PrometheusRule pb) {
                diff(sides, key + " spec", Manifests.toTree(pa.getSpec()), Manifests.toTree(pb.getSpec()), out);
            }
        }
        return out;
    }

    /** Labels Helm adds to what it renders; they say who installed it, not how it runs. */
    public static final Set<String> HELM_LABELS = Set.of("helm.sh/chart", "app.kubernetes.io/managed-by",
            "app.kubernetes.io/version");

    /**
     * The strict comparison: every object's whole content but its metadata and status, field by field, raw (an env var
     * from a ConfigMap is not the same as a literal here). In a pod template the labels Helm adds and the
     * {@code checksum/*} annotations (Helm's restart-on-config-change idiom) are left out too.
     */
    public static List<String> compareEverything(String leftName, List<HasMetadata> left, String rightName, List<HasMetadata> right) {
        Sides sides = new Sides(leftName, rightName);
        List<String> out = new ArrayList<>();
        Map<String, HasMetadata> l = byKey(left);
        Map<String, HasMetadata> r = byKey(right);
        for (String key : renderedByBoth(sides, l, r, out)) {
            diff(sides, key, content(l.get(key)), content(r.get(key)), out);
        }
        return out;
    }

    /** Reports each object only one side renders; returns the keys of those both render. */
    private static List<String> renderedByBoth(Sides sides, Map<String, HasMetadata> l, Map<String, HasMetadata> r, List<String> out) {
        List<String> both = new ArrayList<>();
        for (String key : union(l.keySet(), r.keySet())) {
            if (!r.containsKey(key)) {
                out.add(key + ": only in " + sides.left());
            } else if (!l.containsKey(key)) {
                out.add(key + ": only in " + sides.right());
            } else {
                both.add(key);
            }
        }
        return both;
    }

    private static JsonNode content(HasMetadata object) {
        ObjectNode tree = (ObjectNode) Manifests.toTree(object);
        tree.remove("metadata");
        tree.remove("status");
        JsonNode templateMeta = tree.path("spec").path("template").path("metadata");
        if (templateMeta instanceof ObjectNode meta) {
            if (meta.get("labels") instanceof ObjectNode labels) {
                HELM_LABELS.forEach(labels::remove);
            }
            if (meta.get("annotations") instanceof ObjectNode annotations) {
                List<String> checksums = new ArrayList<>();
                annotations.fieldNames().forEachRemaining(n -> {
                    if (n.startsWith("checksum/")) {
                        checksums.add(n);
                    }
                });
                annotations.remove(checksums);
                if (annotations.isEmpty()) {
                    meta.remove("annotations");
                }
            }
        }
        return tree;
    }

    private record Sides(String left, String right) {
    }

    private static void compareWorkload(Sides sides, Workload a, List<HasMetadata> aObjects, Workload b, List<HasMetadata> bObjects,
            List<String> out) {
        String key = key(a.object());
        if (!Objects.equals(a.replicas(), b.replicas())) {
            out.add(key + " replicas: " + sides.left() + "=" + a.replicas() + ", " + sides.right() + "=" + b.replicas());
        }
        Map<String, Container> ac = byName(a.containers(), Container::getName);
        Map<String, Container> bc = byName(b.containers(), Container::getName);
        for (String name : union(ac.keySet(), bc.keySet())) {
            String where = key + " container " + name;
            Container x = ac.get(name);
            Container y = bc.get(name);
            if (x == null || y == null) {
                out.add(where + ": only in " + (x == null ? sides.right() : sides.left()));
                continue;
            }
            diff(sides, where + " image", text(x.getImage()), text(y.getImage()), out);
            diff(sides, where + " ports", sortedTree(x.getPorts(), p -> String.valueOf(p.getContainerPort())),
                    sortedTree(y.getPorts(), p -> String.valueOf(p.getContainerPort())), out);
            diff(sides, where + " livenessProbe", Manifests.toTree(x.getLivenessProbe()), Manifests.toTree(y.getLivenessProbe()), out);
            diff(sides, where + " readinessProbe", Manifests.toTree(x.getReadinessProbe()), Manifests.toTree(y.getReadinessProbe()), out);
            diff(sides, where + " startupProbe", Manifests.toTree(x.getStartupProbe()), Manifests.toTree(y.getStartupProbe()), out);
            diff(sides, where + " env", effectiveEnv(x, aObjects), effectiveEnv(y, bObjects), out);
            diff(sides, where + " resources", resources(x.getResources()), resources(y.getResources()), out);
        }
    }

    /**
     * The environment as the container sees it: a variable read from a rendered ConfigMap counts as its value (so a
     * literal in one render and a ConfigMap entry in the other agree when the values do); a Secret, field or resource
     * reference counts as that reference.
     */
    static JsonNode effectiveEnv(Container c, List<HasMetadata> objects) {
        Map<String, String> env = new TreeMap<>();
        for (EnvFromSource from : c.getEnvFrom() == null ? List.<EnvFromSource>of() : c.getEnvFrom()) {
            String prefix = from.getPrefix() == null ? "" : from.getPrefix();
            if (from.getConfigMapRef() != null) {
                Workloads.ofKind(objects, ConfigMap.class).stream()
                        .filter(m -> m.getMetadata().getName().equals(from.getConfigMapRef().getName()) && m.getData() != null)
                        .forEach(m -> m.getData().forEach((k, v) -> env.put(prefix + k, "value " + v)));
            }
            if (from.getSecretRef() != null) {
                env.put("(envFrom secret " + prefix + ")", "secret " + from.getSecretRef().getName());
            }
        }
        for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
            env.put(e.getName(), envValue(e, objects));
        }
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        env.forEach(node::put);
        return node;
    }

    private static String envValue(EnvVar e, List<HasMetadata> objects) {
        if (e.getValueFrom() == null) {
            return "value " + (e.getValue() == null ? "" : e.getValue());
        }
        EnvVarSource from = e.getValueFrom();
        if (from.getConfigMapKeyRef() != null) {
            return Workloads.env(new ContainerBuilder().withEnv(e).build(), e.getName(), objects)
                    .map(v -> "value " + v)
                    .orElse("configMap " + from.getConfigMapKeyRef().getName() + "/" + from.getConfigMapKeyRef().getKey() + " (not rendered)");
        }
        if (from.getSecretKeyRef() != null) {
            return "secret " + from.getSecretKeyRef().getName() + "/" + from.getSecretKeyRef().getKey()
                    + (Boolean.TRUE.equals(from.getSecretKeyRef().getOptional()) ? " optional" : "");
        }
        if (from.getFieldRef() != null) {
            return "field " + from.getFieldRef().getFieldPath();
        }
        if (from.getResourceFieldRef() != null) {
            return "resource " + from.getResourceFieldRef().getResource() + " " + from.getResourceFieldRef().getDivisor();
        }
        return Manifests.toTree(from).toString();
    }

    private static JsonNode resources(ResourceRequirements r) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        if (r == null) {
            return node;
        }
        putQuantities(node, "requests", r.getRequests());
        putQuantities(node, "limits", r.getLimits());
        return node;
    }

    private static void putQuantities(ObjectNode node, String field, Map<String, Quantity> quantities) {
        if (quantities == null || quantities.isEmpty()) {
            return;
        }
        ObjectNode q = node.putObject(field);
        new TreeMap<>(quantities).forEach((k, v) -> q.put(k, amount(v)));
    }

    private static String amount(Quantity q) {
        try {
            return Quantity.getAmountInBytes(q).stripTrailingZeros().toPlainString();
        } catch (ArithmeticException | IllegalArgumentException e) {
            return q.toString();
        }
    }

    private static JsonNode servicePorts(Service s) {
        List<ServicePort> ports = s.getSpec() == null || s.getSpec().getPorts() == null ? List.of() : s.getSpec().getPorts();
        return sortedTree(ports, p -> p.getName() == null ? String.valueOf(p.getPort()) : p.getName());
    }

    private static <T> JsonNode sortedTree(List<T> items, Function<T, String> key) {
        List<T> sorted = new ArrayList<>(items == null ? List.of() : items);
        sorted.sort(Comparator.comparing(key));
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        for (T item : sorted) {
            node.set(key.apply(item), Manifests.toTree(item));
        }
        return node;
    }

    /** One line per differing leaf, with its path under the compared field. */
    static void diff(Sides sides, String path, JsonNode a, JsonNode b, List<String> out) {
        a = a == null || a.isMissingNode() ? JsonNodeFactory.instance.nullNode() : a;
        b = b == null || b.isMissingNode() ? JsonNodeFactory.instance.nullNode() : b;
        if (a.isObject() && b.isObject()) {
            Set<String> names = new TreeSet<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                diff(sides, ModelChecks.child(path, name), a.get(name), b.get(name), out);
            }
        } else if (a.isArray() && b.isArray()) {
            Iterator<JsonNode> x = a.elements();
            Iterator<JsonNode> y = b.elements();
            int i = 0;
            while (x.hasNext() || y.hasNext()) {
                diff(sides, path + "[" + i++ + "]", x.hasNext() ? x.next() : null, y.hasNext() ? y.next() : null, out);
            }
        } else if (!sameScalar(a, b)) {
            out.add(path + ": " + sides.left() + "=" + show(a) + ", " + sides.right() + "=" + show(b));
        }
    }

    private static boolean sameScalar(JsonNode a, JsonNode b) {
        if (a.isContainerNode() || b.isContainerNode()) {
            return a.equals(b);
        }
        if (a.isNull() || b.isNull()) {
            return a.isNull() && b.isNull();
        }
        if (a.isNumber() && b.isNumber()) {
            return new BigDecimal(a.asText()).compareTo(new BigDecimal(b.asText())) == 0;
        }
        return a.asText().equals(b.asText());
    }

    private static String show(JsonNode n) {
        return n.isNull() ? "(absent)" : n.isTextual() ? n.asText() : n.toString();
    }

    private static JsonNode text(String s) {
        return s == null ? JsonNodeFactory.instance.nullNode() : JsonNodeFactory.instance.textNode(s);
    }

    static String key(HasMetadata o) {
        return Manifests.describe(o);
    }

    private static Map<String, HasMetadata> byKey(List<HasMetadata> objects) {
        Map<String, HasMetadata> map = new TreeMap<>();
        for (HasMetadata o : objects) {
            if (!isHelmTestHook(o)) {
                map.put(key(o), o);
            }
        }
        return map;
    }

    private static boolean isHelmTestHook(HasMetadata o) {
        Map<String, String> annotations = o.getMetadata() == null ? null : o.getMetadata().getAnnotations();
        String hook = annotations == null ? null : annotations.get("helm.sh/hook");
        return hook != null && hook.contains("test");
    }

    private static <T> Map<String, T> byName(List<T> items, Function<T, String> name) {
        Map<String, T> map = new TreeMap<>();
        items.forEach(i -> map.put(name.apply(i), i));
        return map;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }
}
