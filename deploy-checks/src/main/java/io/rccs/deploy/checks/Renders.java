package io.rccs.deploy.checks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Renders the manifests the way an operator would, once per JVM: {@code kubectl kustomize} for the overlays,
 * Helm (through helm-java's bundled library, no helm binary) for the chart. Every test asks here, so the suite
 * renders each variant only once.
 */
public final class Renders {

    /** The Helm release name and namespace the CI values files are written for. */
    public static final String RELEASE = "rccs";
    public static final String NAMESPACE = "rccs";

    /** Every variant the checks run on; the Helm ones use the chart's values.yaml plus the named file. */
    public static final String KUSTOMIZE_DEV = "kustomize dev";
    public static final String KUSTOMIZE_PROD = "kustomize prod";
    public static final String HELM_DEFAULT = "helm default values";
    public static final String HELM_DEV = "helm ci/dev-values.yaml";
    public static final String HELM_PROD = "helm ci/prod-values.yaml";
    public static final List<String> ALL = List.of(KUSTOMIZE_DEV, KUSTOMIZE_PROD, HELM_DEFAULT, HELM_DEV, HELM_PROD);

    private static final Duration KUBECTL_TIMEOUT = Duration.ofSeconds(120);
    private static final Map<String, Render> CACHE = new ConcurrentHashMap<>();

    /** One render: its YAML text, or why it failed (kept, so a broken render fails every test fast). */
    public record Render(String variant, String yaml, RuntimeException failure) {
        public String yaml() {
            if (failure != null) {
                throw new IllegalStateException(variant + " does not render: " + failure.getMessage(), failure);
            }
            return yaml;
        }

        public List<io.fabric8.kubernetes.api.model.HasMetadata> objects() {
            return Manifests.parse(yaml());
        }
    }

    private Renders() {
    }

    public static Render get(String variant) {
        return CACHE.computeIfAbsent(variant, v -> {
            try {
                return new Render(v, renderNow(v), null);
            } catch (RuntimeException e) {
                return new Render(v, null, e);
            }
        });
    }

    private static String renderNow(String variant) {
        return switch (variant) {
            case KUSTOMIZE_DEV -> kustomize(Repo.kustomizeOverlay("dev"));
            case KUSTOMIZE_PROD -> kustomize(Repo.kustomizeOverlay("prod"));
            case HELM_DEFAULT -> helmTemplate(Repo.chart(), null, Map.of());
            case HELM_DEV -> helmTemplate(Repo.chart(), Repo.chart().resolve("ci/dev-values.yaml"), Map.of());
            case HELM_PROD -> helmTemplate(Repo.chart(), Repo.chart().resolve("ci/prod-values.yaml"), Map.of());
            default -> throw new IllegalArgumentException("unknown render " + variant);
        };
    }

    /** {@code kubectl kustomize DIR}: kubectl from $KUBECTL, /usr/bin/kubectl or the PATH. */
    public static String kustomize(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("no Kustomize directory " + dir);
        }
        String kubectl = kubectl();
        ProcessBuilder pb = new ProcessBuilder(kubectl, "kustomize", dir.toString());
        try {
            Process process = pb.start();
            process.getOutputStream().close();
            // read both streams while the process runs, so a large render cannot fill a pipe and hang it
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
            if (!process.waitFor(KUBECTL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("kubectl kustomize " + dir + " did not finish within " + KUBECTL_TIMEOUT);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("kubectl kustomize " + dir + " exited " + process.exitValue() + ": " + abbreviate(err.join().strip()));
            }
            return out.join();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + kubectl, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while rendering " + dir, e);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 800 ? text : text.substring(0, 800) + "...";
    }

    static String kubectl() {
        return kubectl(System.getenv(), Path.of("/usr/bin/kubectl"));
    }

    /** kubectl from $KUBECTL, the usual place or the PATH; a message that says what to install when there is none. */
    static String kubectl(Map<String, String> env, Path usual) {
        String configured = env.get("KUBECTL");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        if (Files.isExecutable(usual)) {
            return usual.toString();
        }
        for (String dir : env.getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "kubectl"))) {
                return Path.of(dir, "kubectl").toString();
            }
        }
        throw new IllegalStateException("kubectl is not installed (looked at $KUBECTL, " + usual + " and the PATH): "
                + "the Kustomize checks need kubectl >= 1.27 for `kubectl kustomize`");
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code helm template rccs CHART --namespace rccs [-f VALUES] [--set K=V ...]}; helm-java throws when Helm fails
     * (a schema violation, a template error).
     */
    public static String helmTemplate(Path chart, Path valuesFile, Map<String, Object> sets) {
        if (!Files.isRegularFile(chart.resolve("Chart.yaml"))) {
            throw new IllegalStateException("no Helm chart at " + chart);
        }
        TemplateCommand template = new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE);
        if (valuesFile != null) {
            if (!Files.isRegularFile(valuesFile)) {
                throw new IllegalStateException("no values file " + valuesFile);
            }
            template = template.withValuesFile(valuesFile);
        }
        for (Map.Entry<String, Object> set : sets.entrySet()) {
            template = template.set(set.getKey(), set.getValue());
        }
        return template.call();
    }

    /** {@code helm lint --strict CHART}, with the chart's own values.yaml. */
    public static LintResult helmLint(Path chart) {
        return new Helm(chart).lint().strict().call();
    }

    /**
     * {@code helm lint --strict CHART -f VALUES}. helm-java's lint takes no values file, so this lints a copy of the
     * chart whose values.yaml is VALUES merged over the chart's values.yaml the way Helm merges them (maps key by key,
     * anything else replaced, null removes the key).
     */
    public static LintResult helmLint(Path chart, Path valuesFile) {
        try {
            Path copy = Files.createTempDirectory("rccs-chart-lint").resolve(chart.getFileName());
            try (var files = Files.walk(chart)) {
                for (Path source : files.toList()) {
                    Path target = copy.resolve(chart.relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(source, target);
                    }
                }
            }
            ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
            JsonNode merged = merge(yaml.readTree(chart.resolve("values.yaml").toFile()), yaml.readTree(valuesFile.toFile()));
            yaml.writeValue(copy.resolve("values.yaml").toFile(), merged);
            return helmLint(copy);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare a chart copy to lint with " + valuesFile, e);
        }
    }

    static JsonNode merge(JsonNode base, JsonNode override) {
        if (override == null || override.isMissingNode()) {
            return base;
        }
        if (base == null || !base.isObject() || !override.isObject()) {
            return override;
        }
        ObjectNode result = ((ObjectNode) base).deepCopy();
        override.fields().forEachRemaining(field -> {
            if (field.getValue().isNull()) {
                result.remove(field.getKey());
            } else {
                result.set(field.getKey(), merge(result.get(field.getKey()), field.getValue()));
            }
        });
        return result;
    }
}
