package io.rccs.deploy.checks;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressServiceBackend;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceBackendPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.Endpoint;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.rccs.deploy.checks.Workloads.Workload;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The checks that matter to an operator, each a pure function from rendered objects to violations (empty = passes),
 * so a test can run it on a real render and on a deliberately broken copy.
 */
public final class OperatorChecks {

    /** The Quarkus health endpoints every service serves (SmallRye Health's defaults). */
    public static final String LIVENESS_PATH = "/q/health/live";
    public static final String READINESS_PATH = "/q/health/ready";
    public static final String STARTUP_PATH = "/q/health/started";
    public static final String METRICS_PATH = "/q/metrics";
    /** The environment variable the services' HTTP port is set by in a container. */
    public static final String HTTP_PORT_ENV = "QUARKUS_HTTP_PORT";

    private OperatorChecks() {
    }

    // ---- 1. requests, limits and all three probes ------------------------------------------------------------

    public static List<String> resourcesAndProbes(List<HasMetadata> objects) {
        List<String> violations = new ArrayList<>();
        for (Workload w : Workloads.of(objects)) {
            if (w.containers().isEmpty()) {
                violations.add(w.describe() + ": no containers");
            }
            for (Container c : w.containers()) {
                String where = w.describe() + " container " + c.getName();
                ResourceRequirements r = c.getResources();
                for (String resource : List.of("cpu", "memory")) {
                    if (r == null || !has(r.getRequests(), resource)) {
                        violations.add(where + ": no " + resource + " request");
                    }
                    if (r == null || !has(r.getLimits(), resource)) {
                        violations.add(where + ": no " + resource + " limit");
                    }
                }
                if (c.getLivenessProbe() == null) {
                    violations.add(where + ": no livenessProbe");
                }
                if (c.getReadinessProbe() == null) {
                    violations.add(where + ": no readinessProbe");
                }
                if (c.getStartupProbe() == null) {
                    violations.add(where + ": no startupProbe");
                }
            }
        }
        return violations;
    }

    private static boolean has(Map<String, Quantity> quantities, String resource) {
        return quantities != null && quantities.get(resource) != null && quantities.get(resource).getAmount() != null
                && !quantities.get(resource).getAmount().isBlank();
    }

    // ---- 2. probes, scrapes and Service ports reach the real endpoints ------------------------------------------

    /** Each probe is an HTTP GET on the service's health path, on the container port the service listens on. */
    public static List<String> probeEndpoints(List<HasMetadata> objects) {
        List<String> violations = new ArrayList<>();
        for (Workload w : Workloads.of(objects)) {
            for (Container c : w.containers()) {
                String where = w.describe() + " container " + c.getName();
                Optional<Integer> httpPort = httpPort(c, objects);
                if (httpPort.isEmpty()) {
                    violations.add(where + ": " + HTTP_PORT_ENV + " is not set to a number (literal or from a rendered ConfigMap)");
                }
                probe(where + " livenessProbe", c, c.getLivenessProbe(), LIVENESS_PATH, httpPort, violations);
                probe(where + " readinessProbe", c, c.getReadinessProbe(), READINESS_PATH, httpPort, violations);
                probe(where + " startupProbe", c, c.getStartupProbe(), STARTUP_PATH, httpPort, violations);
            }
        }
        return violations;
    }

    private static void probe(String where, Container c, Probe probe, String path, Optional<Integer> httpPort, List<String> out) {
        if (probe == null) {
            return; // resourcesAndProbes reports it
        }
        if (probe.getHttpGet() == null) {
            out.add(where + ": not an httpGet probe on " + path);
            return;
        }
        if (!path.equals(probe.getHttpGet().getPath())) {
            out.add(where + ": path " + probe.getHttpGet().getPath() + ", expected " + path);
        }
        IntOrString port = probe.getHttpGet().getPort();
        Optional<ContainerPort> resolved = Workloads.port(c, port);
        if (resolved.isEmpty()) {
            out.add(where + ": port " + show(port) + " is not a port of the container");
        } else if (httpPort.isPresent() && !httpPort.get().equals(resolved.get().getContainerPort())) {
            out.add(where + ": port " + show(port) + " is " + resolved.get().getContainerPort() + " but the service listens on "
                    + HTTP_PORT_ENV + "=" + httpPort.get());
        }
    }

    /** Every ServiceMonitor scrapes /q/metrics on a port name its Services have. */
    public static List<String> serviceMonitors(List<HasMetadata> objects) {
        List<String> violations = new ArrayList<>();
        List<Service> services = Workloads.ofKind(objects, Service.class);
        for (ServiceMonitor monitor : Workloads.ofKind(objects, ServiceMonitor.class)) {
            String where = Manifests.describe(monitor);
            if (monitor.getSpec() == null) {
                violations.add(where + ": no spec");
                continue;
            }
            List<Service> selected = services.stream()
                    .filter(s -> Workloads.selects(monitor.getSpec().getSelector(), labels(s)))
                    .toList();
            if (selected.isEmpty()) {
                violations.add(where + ": its selector matches no Service");
            }
            List<Endpoint> endpoints = monitor.getSpec().getEndpoints() == null ? List.of() : monitor.getSpec().getEndpoints();
            if (endpoints.isEmpty()) {
                violations.add(where + ": no endpoints");
            }
            for (int i = 0; i < endpoints.size(); i++) {
                Endpoint e = endpoints.get(i);
                String ep = where + " endpoints[" + i + "]";
                if (!METRICS_PATH.equals(e.getPath())) {
                    violations.add(ep + ": path " + e.getPath() + ", expected " + METRICS_PATH);
                }
                if (e.getPort() == null) {
                    violations.add(ep + ": no port name");
                    continue;
                }
                for (Service s : selected) {
                    boolean named = s.getSpec() != null && s.getSpec().getPorts() != null
                            && s.getSpec().getPorts().stream().anyMatch(p -> e.getPort().equals(p.getName()));
                    if (!named) {
                        violations.add(ep + ": port " + e.getPort() + " is not a port name of " + Manifests.describe(s));
                    }
                }
            }
        }
        return violations;
    }

    /** Every Service port's targetPort is a port of the pods the Service selects. */
    public static List<String> serviceTargetPorts(List<HasMetadata> objects) {
        List<String> violations = new ArrayList<>();
        List<Workload> workloads = Workloads.of(objects);
        for (Service s : Workloads.ofKind(objects, Service.class)) {
            if (s.getSpec() == null || s.getSpec().getSelector() == null || s.getSpec().getSelector().isEmpty()) {
                continue; // no selector: an external endpoint (ExternalName or manual Endpoints), nothing to resolve
            }
            List<Workload> selected = workloads.stream().filter(w -> Workloads.selects(s.getSpec().getSelector(), w.podLabels())).toList();
            if (selected.isEmpty()) {
                violations.add(Manifests.describe(s) + ": its selector " + s.getSpec().getSelector() + " matches no workload's pods");
            }
            for (ServicePort p : s.getSpec().getPorts() == null ? List.<ServicePort>of() : s.getSpec().getPorts()) {
                IntOrString target = p.getTargetPort() != null ? p.getTargetPort() : new IntOrString(p.getPort());
                for (Workload w : selected) {
                    boolean found = w.containers().stream().anyMatch(c -> Workloads.port(c, target).isPresent());
                    if (!found) {
                        violations.add(Manifests.describe(s) + " port " + (p.getName() == null ? p.getPort() : p.getName())
                                + ": targetPort " + show(target) + " is not a container port of " + w.describe());
                    }
                }
            }
        }
        return violations;
    }

    /** Every Ingress backend is a rendered Service and one of its ports (by name or number). */
    public static List<String> ingressBackends(List<HasMetadata> objects) {
        List<String> violations = new ArrayList<>();
        List<Service> services = Workloads.ofKind(objects, Service.class);
        for (Ingress ingress : Workloads.ofKind(objects, Ingress.class)) {
            List<IngressBackend> backends = new ArrayList<>();
            if (ingress.getSpec() == null) {
                continue;
            }
            if (ingress.getSpec().getDefaultBackend() != null) {
                backends.add(ingress.getSpec().getDefaultBackend());
            }
            for (IngressRule rule : ingress.getSpec().getRules() == null ? List.<IngressRule>of() : ingress.getSpec().getRules()) {
                if (rule.getHttp() != null && rule.getHttp().getPaths() != null) {
                    rule.getHttp().getPaths().forEach(p -> backends.add(p.getBackend()));
                }
            }
            for (IngressBackend backend : backends) {
                if (backend == null || backend.getService() == null) {
                    continue; // a resource backend is not a Service
                }
                IngressServiceBackend target = backend.getService();
                String where = Manifests.describe(ingress) + " backend " + target.getName();
                Optional<Service> service = services.stream().filter(s -> s.getMetadata().getName().equals(target.getName())).findFirst();
                if (service.isEmpty()) {
                    violations.add(where + ": no such Service in the render");
                    continue;
                }
                ServiceBackendPort port = target.getPort();
                boolean found = port != null && service.get().getSpec() != null && service.get().getSpec().getPorts() != null
                        && service.get().getSpec().getPorts().stream().anyMatch(p -> port.getName() != null
                                ? port.getName().equals(p.getName()) : Objects.equals(port.getNumber(), p.getPort()));
                if (!found) {
                    violations.add(where + ": port " + (port == null ? "(none)" : port.getName() != null ? port.getName() : port.getNumber())
                            + " is not a port of the Service");
                }
            }
        }
        return violations;
    }

    // ---- 3. no Secret value in what is rendered ----------------------------------------------------------------

    /** No Secret carries data, no secret-named env var or ConfigMap key carries a literal. */
    public static List<String> noSecretValues(List<HasMetadata> objects) {
        List<String> violations = new ArrayList<>();
        for (Secret s : Workloads.ofKind(objects, Secret.class)) {
            if (s.getData() != null && !s.getData().isEmpty()) {
                violations.add(Manifests.describe(s) + ": carries data " + s.getData().keySet());
            }
            if (s.getStringData() != null && !s.getStringData().isEmpty()) {
                violations.add(Manifests.describe(s) + ": carries stringData " + s.getStringData().keySet());
            }
        }
        for (ConfigMap c : Workloads.ofKind(objects, ConfigMap.class)) {
            if (c.getData() != null) {
                c.getData().forEach((k, v) -> {
                    if (SecretNames.isSecret(k) && v != null && !v.isBlank()) {
                        violations.add(Manifests.describe(c) + ": key " + k + " holds a literal secret");
                    }
                });
            }
        }
        podSpecs(objects).forEach((where, spec) -> {
            List<Container> all = new ArrayList<>();
            if (spec.getContainers() != null) {
                all.addAll(spec.getContainers());
            }
            if (spec.getInitContainers() != null) {
                all.addAll(spec.getInitContainers());
            }
            for (Container c : all) {
                for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
                    if (SecretNames.isSecret(e.getName()) && e.getValue() != null && !e.getValue().isBlank()) {
                        violations.add(where + " container " + c.getName() + ": env " + e.getName()
                                + " has a literal value (use valueFrom.secretKeyRef)");
                    }
                }
            }
        });
        return violations;
    }

    /** Every pod spec a render can start, by "Kind name". */
    static Map<String, PodSpec> podSpecs(List<HasMetadata> objects) {
        Map<String, PodSpec> specs = new LinkedHashMap<>();
        for (HasMetadata o : objects) {
            PodSpec spec = null;
            if (o instanceof Deployment d && d.getSpec() != null && d.getSpec().getTemplate() != null) {
                spec = d.getSpec().getTemplate().getSpec();
            } else if (o instanceof StatefulSet s && s.getSpec() != null && s.getSpec().getTemplate() != null) {
                spec = s.getSpec().getTemplate().getSpec();
            } else if (o instanceof DaemonSet d && d.getSpec() != null && d.getSpec().getTemplate() != null) {
                spec = d.getSpec().getTemplate().getSpec();
            } else if (o instanceof Job j && j.getSpec() != null && j.getSpec().getTemplate() != null) {
                spec = j.getSpec().getTemplate().getSpec();
            } else if (o instanceof CronJob j && j.getSpec() != null && j.getSpec().getJobTemplate() != null
                    && j.getSpec().getJobTemplate().getSpec() != null && j.getSpec().getJobTemplate().getSpec().getTemplate() != null) {
                spec = j.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
            } else if (o instanceof Pod p) {
                spec = p.getSpec();
            }
            if (spec != null) {
                specs.put(Manifests.describe(o), spec);
            }
        }
        return specs;
    }

    // ---- 4. the gateway stays within the deliveries partitions -------------------------------------------------

    /** Gateway instance i reads partition i of rccs.deliveries: neither its replicas nor its HPA may go past the count. */
    public static List<String> gatewayWithinPartitions(List<HasMetadata> objects, int deliveriesPartitions) {
        List<String> violations = new ArrayList<>();
        Optional<Workload> gateway = Workloads.gateway(objects);
        if (gateway.isEmpty()) {
            violations.add("no gateway StatefulSet (a StatefulSet whose name contains \"gateway\")");
            return violations;
        }
        Workload g = gateway.get();
        int replicas = g.replicas() == null ? 1 : g.replicas();
        if (replicas > deliveriesPartitions) {
            violations.add(g.describe() + ": replicas " + replicas + " > " + deliveriesPartitions + " partitions of rccs.deliveries");
        }
        for (HasMetadata o : objects) {
            Integer max = null;
            String targetKind = null;
            String targetName = null;
            if (o instanceof io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler h && h.getSpec() != null) {
                max = h.getSpec().getMaxReplicas();
                targetKind = h.getSpec().getScaleTargetRef() == null ? null : h.getSpec().getScaleTargetRef().getKind();
                targetName = h.getSpec().getScaleTargetRef() == null ? null : h.getSpec().getScaleTargetRef().getName();
            } else if (o instanceof io.fabric8.kubernetes.api.model.autoscaling.v1.HorizontalPodAutoscaler h && h.getSpec() != null) {
                max = h.getSpec().getMaxReplicas();
                targetKind = h.getSpec().getScaleTargetRef() == null ? null : h.getSpec().getScaleTargetRef().getKind();
                targetName = h.getSpec().getScaleTargetRef() == null ? null : h.getSpec().getScaleTargetRef().getName();
            }
            if ("StatefulSet".equals(targetKind) && g.name().equals(targetName) && max != null && max > deliveriesPartitions) {
                violations.add(Manifests.describe(o) + ": maxReplicas " + max + " > " + deliveriesPartitions
                        + " partitions of rccs.deliveries");
            }
        }
        return violations;
    }

    // ---- 6. every workload has its ServiceAccount, PDB and NetworkPolicy ---------------------------------------

    /**
     * Each workload runs as its own ServiceAccount and is covered by a PodDisruptionBudget and an ingress NetworkPolicy.
     * Only the gateway may admit traffic from anywhere; every other workload admits only its HTTP port (metrics
     * scrapes) from peers chosen by a namespace or pod selector.
     */
    public static List<String> podPolicies(List<HasMetadata> objects) {
        List<String> violations = new ArrayList<>();
        List<ServiceAccount> accounts = Workloads.ofKind(objects, ServiceAccount.class);
        List<PodDisruptionBudget> budgets = Workloads.ofKind(objects, PodDisruptionBudget.class);
        List<NetworkPolicy> policies = Workloads.ofKind(objects, NetworkPolicy.class);
        Optional<Workload> gateway = Workloads.gateway(objects);
        for (Workload w : Workloads.of(objects)) {
            String account = w.template().getSpec() == null ? null : w.template().getSpec().getServiceAccountName();
            if (account == null || account.isBlank()) {
                violations.add(w.describe() + ": no serviceAccountName (it would run as the namespace's default account)");
            } else if (accounts.stream().noneMatch(a -> account.equals(a.getMetadata().getName()))) {
                violations.add(w.describe() + ": ServiceAccount " + account + " is not part of the render");
            }
            if (budgets.stream().noneMatch(b -> b.getSpec() != null && Workloads.selects(b.getSpec().getSelector(), w.podLabels()))) {
                violations.add(w.describe() + ": no PodDisruptionBudget selects its pods");
            }
            List<NetworkPolicy> selecting = policies.stream()
                    .filter(p -> p.getSpec() != null && Workloads.selects(p.getSpec().getPodSelector(), w.podLabels()))
                    .filter(p -> p.getSpec().getPolicyTypes() == null || p.getSpec().getPolicyTypes().isEmpty()
                            || p.getSpec().getPolicyTypes().contains("Ingress"))
                    .toList();
            if (selecting.isEmpty()) {
                violations.add(w.describe() + ": no NetworkPolicy restricts ingress to its pods");
                continue;
            }
            boolean isGateway = gateway.isPresent() && gateway.get().object() == w.object();
            if (!isGateway) {
                for (NetworkPolicy p : selecting) {
                    ingressOnlyFromSelectorsToHttpPort(w, p, objects, violations);
                }
            }
        }
        return violations;
    }

    private static void ingressOnlyFromSelectorsToHttpPort(Workload w, NetworkPolicy p, List<HasMetadata> objects, List<String> out) {
        String where = Manifests.describe(p) + " (selects " + w.describe() + ")";
        List<NetworkPolicyIngressRule> rules = p.getSpec().getIngress() == null ? List.of() : p.getSpec().getIngress();
        for (int i = 0; i < rules.size(); i++) {
            NetworkPolicyIngressRule rule = rules.get(i);
            String r = where + " ingress[" + i + "]";
            if (rule.getFrom() == null || rule.getFrom().isEmpty()) {
                out.add(r + ": admits traffic from anywhere (no from)");
            } else {
                for (NetworkPolicyPeer peer : rule.getFrom()) {
                    if (peer.getIpBlock() != null) {
                        out.add(r + ": admits an ipBlock " + peer.getIpBlock().getCidr() + "; only namespace/pod selectors may reach it");
                    } else if (peer.getNamespaceSelector() == null && peer.getPodSelector() == null) {
                        out.add(r + ": a peer without any selector");
                    } else if (isEmpty(peer.getNamespaceSelector()) && (peer.getPodSelector() == null || isEmpty(peer.getPodSelector()))) {
                        out.add(r + ": admits every pod of every namespace");
                    }
                }
            }
            List<NetworkPolicyPort> ports = rule.getPorts() == null ? List.of() : rule.getPorts();
            if (ports.isEmpty()) {
                out.add(r + ": admits every port; only the HTTP port (metrics) may be open");
            }
            for (NetworkPolicyPort port : ports) {
                if (!isHttpPort(w, port.getPort(), objects)) {
                    out.add(r + ": port " + show(port.getPort()) + " is not the service's HTTP port ("
                            + w.containers().stream().map(c -> String.valueOf(httpPort(c, objects).orElse(null))).toList() + ")");
                }
            }
        }
    }

    private static boolean isHttpPort(Workload w, IntOrString port, List<HasMetadata> objects) {
        if (port == null) {
            return false;
        }
        for (Container c : w.containers()) {
            Optional<Integer> http = httpPort(c, objects);
            if (http.isEmpty()) {
                continue;
            }
            if (port.getIntVal() != null && port.getIntVal().equals(http.get())) {
                return true;
            }
            if (port.getStrVal() != null && Workloads.port(c, port).map(ContainerPort::getContainerPort).filter(http.get()::equals).isPresent()) {
                return true;
            }
        }
        return false;
    }

    private static boolean isEmpty(LabelSelector s) {
        return s != null && (s.getMatchLabels() == null || s.getMatchLabels().isEmpty())
                && (s.getMatchExpressions() == null || s.getMatchExpressions().isEmpty());
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /** The port the service listens on in this container: its QUARKUS_HTTP_PORT. */
    public static Optional<Integer> httpPort(Container c, List<HasMetadata> objects) {
        return Workloads.env(c, HTTP_PORT_ENV, objects).flatMap(v -> {
            try {
                return Optional.of(Integer.parseInt(v.strip()));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    static Map<String, String> labels(HasMetadata o) {
        return o.getMetadata() == null || o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels();
    }

    static String show(IntOrString port) {
        if (port == null) {
            return "(none)";
        }
        return port.getIntVal() != null ? String.valueOf(port.getIntVal()) : port.getStrVal();
    }

    /** Every check that needs nothing but the render, by name (the test runs each on every render). */
    public static Map<String, Function<List<HasMetadata>, List<String>>> renderOnly() {
        Map<String, Function<List<HasMetadata>, List<String>>> checks = new LinkedHashMap<>();
        checks.put("resources and probes", OperatorChecks::resourcesAndProbes);
        checks.put("probe endpoints", OperatorChecks::probeEndpoints);
        checks.put("ServiceMonitors", OperatorChecks::serviceMonitors);
        checks.put("Service targetPorts", OperatorChecks::serviceTargetPorts);
        checks.put("Ingress backends", OperatorChecks::ingressBackends);
        checks.put("no Secret values", OperatorChecks::noSecretValues);
        checks.put("ServiceAccount, PDB, NetworkPolicy", OperatorChecks::podPolicies);
        return checks;
    }
}
