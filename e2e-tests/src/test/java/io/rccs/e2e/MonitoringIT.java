package io.rccs.e2e;

import static io.rccs.client.FrameMatcher.type;
import static io.rccs.e2e.Household.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.rccs.client.FrameMatcher;
import io.rccs.client.RccsClient;
import io.rccs.model.protocol.Frame;

/**
 * Issue 10, dashboards and alerts: every metric the Grafana dashboard and the alert rules use is
 * exported by a running service — no panel, and no alert, on a metric nobody exports. The metric
 * names are taken from every PromQL expression of both files by a small tokenizer
 * ({@link #metricNames}), then looked up in {@code /q/metrics} of both gateways, the relay and the
 * command queue (the relay's and the queue's addresses: $RCCS_E2E_RELAY and $RCCS_E2E_QUEUE, the
 * local stack's by default).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MonitoringIT {

    /**
     * The chart's copies (k8s/base/monitoring holds byte-identical ones for kustomize); a system
     * property points the test at another file, e.g. a copy with a made-up metric, to see it fail.
     */
    static final Path DASHBOARD = Path.of(System.getProperty("rccs.e2e.dashboard", "../deploy/helm/rccs/files/grafana-dashboard.json"));
    static final Path ALERT_RULES = Path.of(System.getProperty("rccs.e2e.alert-rules", "../deploy/helm/rccs/files/alert-rules.yaml"));

    /**
     * Series no service exports: Prometheus' own {@code up} (the health of a scrape) and what
     * kube-state-metrics reports of pods and workloads (a gateway that runs but is not ready, a
     * workload with no ready pod at all).
     */
    static final Set<String> PROMETHEUS_OWN = Set.of("up", "kube_pod_status_ready", "kube_statefulset_status_replicas_ready",
            "kube_deployment_status_replicas_available");

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    @DisplayName("every metric of the dashboard and of the alert rules is exported by a running service")
    void everyMetricIsExported() throws Exception {
        Map<String, List<String>> used = new TreeMap<>(); // metric name -> the expressions using it
        List<String> dashboard = dashboardExpressions(Files.readString(DASHBOARD));
        List<String> alerts = alertExpressions(Files.readString(ALERT_RULES));
        dashboard.forEach(expr -> metricNames(expr).forEach(name -> used.computeIfAbsent(name, k -> new ArrayList<>()).add(expr)));
        alerts.forEach(expr -> metricNames(expr).forEach(name -> used.computeIfAbsent(name, k -> new ArrayList<>()).add(expr)));
        // an extraction that finds nothing must not pass: the files use about 30 metrics
        assertThat(dashboard).as("PromQL expressions in the dashboard").hasSizeGreaterThanOrEqualTo(20);
        assertThat(alerts).as("PromQL expressions in the alert rules").hasSizeGreaterThanOrEqualTo(6);
        assertThat(used.keySet()).as("metric names used").hasSizeGreaterThanOrEqualTo(25)
                .contains("rccs_connections", "rccs_message_route_seconds_bucket", "rccs_inbox_unacked_entries",
                        "rccs_commands_open", "rccs_dead_letters_total", "kafka_consumer_fetch_manager_records_lag_max",
                        "http_server_requests_seconds_count", "jvm_memory_used_bytes");

        driveTraffic();

        // the meters that appear with their first use are there once the traffic has gone through;
        // the gauges a periodic job refreshes exist from the start
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Map<String, Set<String>> exported;
        Set<String> missing;
        do {
            exported = scrapeAll();
            missing = missing(used.keySet(), exported);
            if (missing.isEmpty()) {
                break;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        Map<String, List<String>> report = new LinkedHashMap<>();
        missing.forEach(name -> report.put(name, used.get(name)));
        assertThat(report).as("metrics used by the dashboard or the alerts that no service exports (scraped: %s)",
                exported.keySet()).isEmpty();
    }

    @Test
    @DisplayName("the extraction takes metric names only, and a made-up metric is reported missing")
    void extractionAndMissingCheck() {
        assertThat(metricNames("histogram_quantile(0.99, sum by (le) (rate(rccs_message_route_seconds_bucket"
                + "{namespace=~\"$namespace\"}[$__rate_interval])))")).containsExactly("rccs_message_route_seconds_bucket");
        assertThat(metricNames("max by (namespace, pod, client_id) (kafka_consumer_fetch_manager_records_lag_max) > 1000\n"
                + "and max by (namespace, pod, client_id) (deriv(kafka_consumer_fetch_manager_records_lag_max[10m])) > 0"))
                .containsExactly("kafka_consumer_fetch_manager_records_lag_max");
        assertThat(metricNames("sum(rate(a_total{code=~\"x|y\"}[5m] offset 1h)) by (pod) / on (pod) group_left(kind) "
                + "b_info * 1e3 unless absent(up{job=~\".*gateway.*\"} == 1) or vector(0)"))
                .containsExactlyInAnyOrder("a_total", "b_info", "up");
        assertThat(metricNames("rate(x_seconds_count[5m:30s]) > bool 0.5 and on() label_replace(y, \"dst\", \"$1\", \"src\", \"(.*)\")"))
                .containsExactlyInAnyOrder("x_seconds_count", "y");
        assertThat(dashboardExpressions("{\"templating\":{\"list\":[{\"query\":{\"query\":\"label_values(rccs_connections, namespace)\"}},"
                + "{\"query\":\"label_values(pod)\"}]},\"panels\":[{\"targets\":[{\"expr\":\"sum(z)\"}]}]}"))
                .containsExactlyInAnyOrder("sum(z)", "rccs_connections");

        Map<String, Set<String>> exported = Map.of("gateway", parseExposition("""
                # HELP rccs_connections open connections
                # TYPE rccs_connections gauge
                rccs_connections 3.0
                # TYPE rccs_message_route_seconds histogram
                rccs_message_route_seconds_bucket{le="0.005"} 1.0
                rccs_message_route_seconds_count 1.0
                """));
        assertThat(missing(Set.of("rccs_connections", "rccs_message_route_seconds_bucket", "rccs_message_route_seconds",
                "rccs_no_such_metric_total", "up"), exported))
                .containsExactlyInAnyOrder("rccs_no_such_metric_total", "rccs_message_route_seconds");
    }

    // --- the expressions

    /** Every {@code expr} of the dashboard (panels, rows, anywhere), and the metrics its variables query. */
    static List<String> dashboardExpressions(String json) {
        try {
            List<String> found = new ArrayList<>();
            collectExpr(new ObjectMapper().readTree(json), found);
            for (JsonNode variable : new ObjectMapper().readTree(json).path("templating").path("list")) {
                JsonNode query = variable.path("query");
                String text = query.isObject() ? query.path("query").asText("") : query.asText("");
                // Grafana's label_values(metric, label) and query_result(expr): only the first is PromQL
                Matcher call = Pattern.compile("^\\s*(label_values|query_result)\\((.*)\\)\\s*$", Pattern.DOTALL).matcher(text);
                if (call.matches()) {
                    String inner = call.group(2);
                    if (call.group(1).equals("query_result")) {
                        found.add(inner);
                    } else if (inner.contains(",")) {
                        found.add(inner.substring(0, inner.lastIndexOf(',')));
                    }
                }
            }
            return found;
        } catch (IOException e) {
            throw new IllegalArgumentException("not a dashboard: " + e.getMessage(), e);
        }
    }

    private static void collectExpr(JsonNode node, List<String> found) {
        if (node.isObject()) {
            node.fields().forEachRemaining(field -> {
                if (field.getKey().equals("expr") && field.getValue().isTextual()) {
                    found.add(field.getValue().asText());
                } else {
                    collectExpr(field.getValue(), found);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collectExpr(child, found));
        }
    }

    /** The {@code expr} of every rule of every group. */
    static List<String> alertExpressions(String yaml) throws IOException {
        List<String> found = new ArrayList<>();
        JsonNode groups = new YAMLMapper().readTree(yaml).path("groups");
        assertThat(groups.isArray() && groups.size() > 0).as("alert rules have groups").isTrue();
        for (JsonNode group : groups) {
            for (JsonNode rule : group.path("rules")) {
                assertThat(rule.path("expr").isTextual()).as("rule %s has an expr", rule.path("alert")).isTrue();
                found.add(rule.path("expr").asText());
            }
        }
        return found;
    }

    // --- the tokenizer

    private static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{[^}]*}|\\$\\w+");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern LABEL_MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    /** A number or a duration (skipped), else a name. */
    private static final Pattern TOKEN = Pattern.compile(
            "(?<number>(?:0[xX][0-9a-fA-F]+|\\d+\\.?\\d*(?:[eE][+-]?\\d+)?|\\.\\d+)[a-zA-Z0-9_]*)|(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)");
    /** PromQL's keywords and operators spelled as words; functions and aggregations are told by the "(" after them. */
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
            "group_left", "group_right", "atan2", "inf", "nan");

    /**
     * The metric names of one PromQL expression: strings, label matchers, range and subquery
     * selectors, grouping clauses, Grafana variables, numbers and durations are dropped; of the
     * names left, a keyword or a name called like a function ({@code rate(}, {@code sum (}) is not
     * a metric.
     */
    static Set<String> metricNames(String promql) {
        String text = GRAFANA_VARIABLE.matcher(promql).replaceAll(" ");
        text = STRING.matcher(text).replaceAll(" ");
        text = LABEL_MATCHERS.matcher(text).replaceAll(" ");
        text = RANGE.matcher(text).replaceAll(" ");
        text = GROUPING.matcher(text).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher token = TOKEN.matcher(text);
        while (token.find()) {
            String name = token.group("name");
            if (name == null || KEYWORDS.contains(name.toLowerCase()) || calledAt(text, token.end())) {
                continue;
            }
            names.add(name);
        }
        return names;
    }

    private static boolean calledAt(String text, int end) {
        int i = end;
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i < text.length() && text.charAt(i) == '(';
    }

    // --- the services' metrics

    /** The names {@code used} that no service exports (Prometheus' own series aside). */
    static Set<String> missing(Set<String> used, Map<String, Set<String>> exported) {
        Set<String> all = new TreeSet<>();
        exported.values().forEach(all::addAll);
        Set<String> missing = new TreeSet<>();
        for (String name : used) {
            if (!PROMETHEUS_OWN.contains(name) && !all.contains(name)) {
                missing.add(name);
            }
        }
        return missing;
    }

    /**
     * The series names of a Prometheus text exposition: every sample's name (a histogram is its
     * {@code _bucket}, {@code _count} and {@code _sum} series; its bare name has no series, so a
     * query on it would be empty and is reported missing).
     */
    static Set<String> parseExposition(String text) {
        Set<String> names = new TreeSet<>();
        for (String line : text.split("\n")) {
            String trimmed = line.trim();
            if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                int end = 0;
                while (end < trimmed.length() && trimmed.charAt(end) != '{' && !Character.isWhitespace(trimmed.charAt(end))) {
                    end++;
                }
                names.add(trimmed.substring(0, end));
            }
        }
        return names;
    }

    private static Map<String, Set<String>> scrapeAll() throws IOException, InterruptedException {
        Map<String, Set<String>> exported = new LinkedHashMap<>();
        List<URI> gateways = Stack.gateways();
        for (int i = 0; i < gateways.size(); i++) {
            URI socket = gateways.get(i);
            exported.put("gateway-" + i, scrape(URI.create("http://" + socket.getHost() + ":" + socket.getPort())));
        }
        exported.put("relay", scrape(URI.create(setting("RCCS_E2E_RELAY", "http://127.0.0.1:8082"))));
        exported.put("queue", scrape(URI.create(setting("RCCS_E2E_QUEUE", "http://127.0.0.1:8083"))));
        return exported;
    }

    private static Set<String> scrape(URI service) throws IOException, InterruptedException {
        URI metrics = service.resolve("/q/metrics");
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s", metrics).isEqualTo(200);
        return parseExposition(response.body());
    }

    private static String setting(String env, String fallback) {
        String value = System.getenv(env);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    /**
     * What makes the meters registered at first use appear: connections and frames on both
     * gateways, a message routed through the relay's inbox and delivered, a REST request.
     */
    private static void driveTraffic() throws IOException, InterruptedException {
        try (Household home = Household.fresh("monitoring")) {
            RccsClient desk = home.trusted(0, "desk", List.of());
            RccsClient phone = home.trusted(1, "phone", List.of());
            Frame message = phone.send("message", "desk", Map.of("text", "counted"));
            desk.await(type("message").and(FrameMatcher.id(message.id())), WAIT);
            URI gateway = Stack.gateway(0);
            URI devices = URI.create("http://" + gateway.getHost() + ":" + gateway.getPort() + "/v1/devices");
            HttpResponse<String> listed = HTTP.send(HttpRequest.newBuilder(devices).timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + home.token()).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(listed.statusCode()).as("GET %s: %s", devices, listed.body()).isEqualTo(200);
        }
    }
}
