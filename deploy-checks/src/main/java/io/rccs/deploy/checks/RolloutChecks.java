package io.rccs.deploy.checks;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.rccs.deploy.checks.Workloads.Workload;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What makes a rollout, an upgrade or a scale change safe on a real cluster, beyond each object being well formed:
 * the HPA owns the replica count, the gateway takes its index from its ordinal and has time to drain, the services
 * agree on the heartbeat, the topics survive a broker restart, and the render has exactly the three workloads.
 */
public final class RolloutChecks {

    /** The downward-API path of a StatefulSet pod's ordinal (label set by Kubernetes >= 1.28). */
    public static final String POD_INDEX_FIELD = "metadata.labels['apps.kubernetes.io/pod-index']";
    /** What the gateway's SIGTERM needs besides the drain timeout: the 1 s shutdown delay, the 1 s lead before
     *  the drain, closing (the reconnect spread is within half the drain timeout), the lease release, and room for Kafka to flush. */
    public static final Duration DRAIN_OVERHEAD = Duration.ofSeconds(20);

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)?", Pattern.CASE_INSENSITIVE);

    private RolloutChecks() {
    }

    /**
     * A workload an HPA scales must not state replicas (every apply or upgrade would reset the HPA's count: a gateway
     * StatefulSet cut from 10 to 3 drains 7 gateways at once); one that no HPA scales must state them.
     */
    public static List<String> hpaOwnsReplicas(List<HasMetadata> objects) {
        Set<String> scaled = new TreeSet<>();
        for (HorizontalPodAutoscaler h : Workloads.ofKind(objects, HorizontalPodAutoscaler.class)) {
            if (h.getSpec() != null && h.getSpec().getScaleTargetRef() != null) {
                scaled.add(h.getSpec().getScaleTargetRef().getKind() + " " + h.getSpec().getScaleTargetRef().getName());
            }
        }
        List<String> violations = new ArrayList<>();
        for (Workload w : Workloads.of(objects)) {
            boolean hasHpa = scaled.contains(w.object().getKind() + " " + w.name());
            if (hasHpa && w.replicas() != null) {
                violations.add(w.describe() + ": states replicas " + w.replicas() + " although an HPA scales it (an apply resets the HPA's count)");
            } else if (!hasHpa && w.replicas() == null) {
                violations.add(w.describe() + ": no HPA and no replicas");
            }
        }
        return violations;
    }

    /** Gateway instance i reads partition i: the index must be the pod's ordinal, never a literal shared by all pods. */
    public static List<String> gatewayIndexFromOrdinal(List<HasMetadata> objects) {
        Optional<Workload> gateway = Workloads.gateway(objects);
        if (gateway.isEmpty()) {
            return List.of("no gateway StatefulSet");
        }
        for (Container c : gateway.get().containers()) {
            for (EnvVar var : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
                if ("RCCS_GATEWAY_INSTANCE".equals(var.getName())) {
                    boolean ordinal = var.getValueFrom() != null && var.getValueFrom().getFieldRef() != null
                            && POD_INDEX_FIELD.equals(var.getValueFrom().getFieldRef().getFieldPath());
                    return ordinal ? List.of() : List.of(gateway.get().describe() + " container " + c.getName()
                            + ": RCCS_GATEWAY_INSTANCE is not the pod's ordinal (fieldRef " + POD_INDEX_FIELD + ")");
                }
            }
        }
        return List.of(gateway.get().describe() + ": no RCCS_GATEWAY_INSTANCE (every pod would be instance 0)");
    }

    /** SIGTERM drains the gateway: the grace period must cover the drain timeout and what comes around it. */
    public static List<String> drainFitsGrace(List<HasMetadata> objects) {
        Optional<Workload> gateway = Workloads.gateway(objects);
        if (gateway.isEmpty()) {
            return List.of("no gateway StatefulSet");
        }
        Workload g = gateway.get();
        Long grace = g.template().getSpec().getTerminationGracePeriodSeconds();
        long graceSeconds = grace == null ? 30 : grace;
        List<String> violations = new ArrayList<>();
        for (Container c : g.containers()) {
            Duration drain = Workloads.env(c, "RCCS_GATEWAY_DRAIN_TIMEOUT", objects).map(RolloutChecks::duration)
                    .orElse(Duration.ofSeconds(10));
            Duration needed = drain.plus(DRAIN_OVERHEAD);
            if (Duration.ofSeconds(graceSeconds).compareTo(needed) < 0) {
                violations.add(g.describe() + ": terminationGracePeriodSeconds " + graceSeconds + " < drain timeout "
                        + drain.toSeconds() + " s + " + DRAIN_OVERHEAD.toSeconds() + " s");
            }
        }
        return violations;
    }

    /**
     * The gateway pings and ends silent peers by its heartbeat; the relay announces its own in {@code welcome} and sizes
     * the dead-gateway sweep from it. The two must be the same.
     */
    public static List<String> heartbeatsAgree(List<HasMetadata> objects) {
        Map<String, Duration> beats = new LinkedHashMap<>();
        for (Workload w : Workloads.of(objects)) {
            for (Container c : w.containers()) {
                for (String name : List.of("RCCS_GATEWAY_HEARTBEAT", "RCCS_RELAY_HEARTBEAT")) {
                    Workloads.env(c, name, objects).map(RolloutChecks::duration).ifPresent(d -> beats.put(name, d));
                }
            }
        }
        Duration gateway = beats.getOrDefault("RCCS_GATEWAY_HEARTBEAT", Duration.ofSeconds(15));
        Duration relay = beats.getOrDefault("RCCS_RELAY_HEARTBEAT", Duration.ofSeconds(15));
        return gateway.equals(relay) ? List.of()
                : List.of("RCCS_GATEWAY_HEARTBEAT " + gateway.toSeconds() + " s != RCCS_RELAY_HEARTBEAT " + relay.toSeconds() + " s");
    }

    /**
     * Producers use acks=all: min.insync.replicas above the replicas stops every produce, and equal to them (with
     * more than one) stops them whenever one broker restarts.
     */
    public static List<String> minInsyncBelowReplicas(List<HasMetadata> objects) {
        List<String> violations = new ArrayList<>();
        for (KafkaTopic topic : Workloads.ofKind(objects, KafkaTopic.class)) {
            Integer replicas = topic.getSpec() == null ? null : topic.getSpec().getReplicas();
            Object minIsr = topic.getSpec() == null || topic.getSpec().getConfig() == null ? null
                    : topic.getSpec().getConfig().get("min.insync.replicas");
            if (replicas == null || minIsr == null) {
                violations.add(Manifests.describe(topic) + ": replicas and min.insync.replicas must both be stated");
                continue;
            }
            int min = Integer.parseInt(String.valueOf(minIsr));
            boolean ok = replicas == 1 ? min == 1 : min >= 1 && min < replicas;
            if (!ok) {
                violations.add(Manifests.describe(topic) + ": min.insync.replicas " + min + " with " + replicas + " replicas");
            }
        }
        return violations;
    }

    /** Exactly the gateway StatefulSet and the relay and queue Deployments: a workload gone from both renders is seen. */
    public static List<String> exactlyTheWorkloads(List<HasMetadata> objects) {
        Set<String> found = new TreeSet<>();
        for (Workload w : Workloads.of(objects)) {
            found.add(w.describe());
        }
        Set<String> expected = new TreeSet<>(List.of("StatefulSet rccs-gateway", "Deployment rccs-relay", "Deployment rccs-queue"));
        return found.equals(expected) ? List.of() : List.of("workloads are " + found + ", expected " + expected);
    }

    /** Every check of this class, by name (the test runs each on every render). */
    public static Map<String, Function<List<HasMetadata>, List<String>>> all() {
        Map<String, Function<List<HasMetadata>, List<String>>> checks = new LinkedHashMap<>();
        checks.put("HPA owns replicas", RolloutChecks::hpaOwnsReplicas);
        checks.put("gateway index from ordinal", RolloutChecks::gatewayIndexFromOrdinal);
        checks.put("drain fits grace", RolloutChecks::drainFitsGrace);
        checks.put("heartbeats agree", RolloutChecks::heartbeatsAgree);
        checks.put("min.insync below replicas", RolloutChecks::minInsyncBelowReplicas);
        checks.put("exactly the workloads", RolloutChecks::exactlyTheWorkloads);
        return checks;
    }

    /** "15s", "500ms", "5m", "1h", "1d" (Quarkus' short forms, any case); a bare number is seconds. */
    static Duration duration(String text) {
        Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration: " + text);
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(java.util.Locale.ROOT);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofSeconds(n);
        };
    }

    static StatefulSet gatewaySet(List<HasMetadata> objects) {
        return (StatefulSet) Workloads.gateway(objects).orElseThrow().object();
    }
}
