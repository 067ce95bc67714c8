package io.rccs.deploy.checks;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.fabric8.kubernetes.api.model.AnyType;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * What the model itself proves: every kind is one the fabric8/Strimzi model knows, and no field is one it does not.
 * The model keeps a field it does not know in an {@code additionalProperties} map instead of failing, so the walk
 * below visits every typed object (through the same properties Jackson uses, so paths carry the YAML names) and
 * reports each non-empty one.
 */
public final class ModelChecks {

    private static final ObjectMapper INTROSPECTION = new ObjectMapper();
    private static final Map<Class<?>, List<BeanPropertyDefinition>> PROPERTIES = new ConcurrentHashMap<>();
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");
    private static final int MAX_DEPTH = 64;

    private ModelChecks() {
    }

    /** Objects the model parsed as GenericKubernetesResource: a kind (or apiVersion) nobody registered. */
    public static List<String> unknownKinds(List<HasMetadata> objects) {
        List<String> violations = new ArrayList<>();
        for (HasMetadata object : objects) {
            if (object instanceof GenericKubernetesResource) {
                violations.add(Manifests.describe(object) + ": kind " + object.getKind() + " of " + object.getApiVersion()
                        + " is unknown to the fabric8/Strimzi model");
            }
        }
        return violations;
    }

    /** Every field the model did not recognise, as "Kind name: json.path". */
    public static List<String> unknownFields(List<HasMetadata> objects) {
        List<String> violations = new ArrayList<>();
        for (HasMetadata object : objects) {
            if (object instanceof GenericKubernetesResource) {
                continue; // reported by unknownKinds; its whole body is "additional"
            }
            walk(object, "", Manifests.describe(object), violations, new IdentityHashMap<>(), 0);
        }
        return violations;
    }

    private static void walk(Object value, String path, String owner, List<String> out, Map<Object, Boolean> seen, int depth) {
        if (value == null || isLeaf(value) || depth > MAX_DEPTH || seen.put(value, Boolean.TRUE) != null) {
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> walk(v, child(path, String.valueOf(k)), owner, out, seen, depth + 1));
            return;
        }
        if (value instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                walk(item, path + "[" + i++ + "]", owner, out, seen, depth + 1);
            }
            return;
        }
        if (!isModel(value.getClass())) {
            return;
        }
        Map<String, Object> additional = additionalProperties(value);
        if (additional != null) {
            additional.keySet().forEach(k -> out.add(owner + ": " + child(path, k)));
        }
        for (BeanPropertyDefinition property : properties(value.getClass())) {
            AnnotatedMember accessor = property.getAccessor();
            Object child;
            try {
                accessor.fixAccess(true);
                child = accessor.getValue(value);
            } catch (RuntimeException e) {
                continue; // a computed property that cannot answer is not part of the document
            }
            walk(child, child(path, property.getName()), owner, out, seen, depth + 1);
        }
    }

    private static boolean isLeaf(Object value) {
        return value instanceof CharSequence || value instanceof Number || value instanceof Boolean || value instanceof Enum<?>
                || value instanceof Character || value instanceof Quantity || value instanceof AnyType || value instanceof JsonNode
                || value.getClass().isPrimitive();
    }

    private static boolean isModel(Class<?> type) {
        String name = type.getName();
        return name.startsWith("io.fabric8.") || name.startsWith("io.strimzi.");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> additionalProperties(Object value) {
        try {
            Method getter = value.getClass().getMethod("getAdditionalProperties");
            Object result = getter.invoke(value);
            return result instanceof Map<?, ?> map ? (Map<String, Object>) map : null;
        } catch (NoSuchMethodException e) {
            return null;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read additionalProperties of " + value.getClass(), e);
        }
    }

    private static List<BeanPropertyDefinition> properties(Class<?> type) {
        return PROPERTIES.computeIfAbsent(type, t -> {
            BeanDescription description = INTROSPECTION.getSerializationConfig().introspect(INTROSPECTION.constructType(t));
            return description.findProperties().stream()
                    .filter(p -> p.getAccessor() != null && !"additionalProperties".equals(p.getName()))
                    .toList();
        });
    }

    static String child(String path, String key) {
        if (PLAIN_KEY.matcher(key).matches()) {
            return path.isEmpty() ? key : path + "." + key;
        }
        return path + "[\"" + key + "\"]";
    }
}
