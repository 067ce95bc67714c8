package io.rccs.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A gateway process the local stack started (its pid from the launcher's {@code .rccs/pids}): its
 * live heap, after a full GC through {@code jcmd <pid> GC.run}, from the heap pools'
 * {@code jvm_memory_used_bytes} in its {@code /q/metrics}, and its counters.
 */
final class GatewayProcess {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern HEAP_POOL = Pattern.compile("^jvm_memory_used_bytes\\{([^}]*)}\\s+(\\S+)", Pattern.MULTILINE);

    private final long pid;
    private final URI metrics;
    private final Path log;

    private GatewayProcess(long pid, URI metrics, Path log) {
        this.pid = pid;
        this.metrics = metrics;
        this.log = log;
    }

    /** Gateway {@code index} of the stack that {@code control}'s launcher started. */
    static GatewayProcess of(Control control, int index) {
        Path launcher = Path.of(control.launcher()).toAbsolutePath();
        String stateDir = System.getenv("RCCS_STATE_DIR");
        Path state = stateDir == null || stateDir.isBlank() ? launcher.getParent().resolve(".rccs") : Path.of(stateDir);
        Path pidFile = state.resolve("pids").resolve("gateway-" + index + ".pid");
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile).trim());
        } catch (IOException e) {
            throw new UncheckedIOException("no pid of gateway-" + index + " in " + pidFile, e);
        }
        URI socket = Stack.gateway(index);
        return new GatewayProcess(pid, URI.create("http://" + socket.getHost() + ":" + socket.getPort() + "/q/metrics"),
                state.resolve("logs").resolve("gateway-" + index + ".log"));
    }

    /**
     * Bytes of heap in use right after a full GC: every heap pool but eden, which holds only what
     * was allocated since the collection (the metrics request itself, for one).
     */
    long afterFullGc() {
        runGc();
        long used = 0;
        boolean found = false;
        Matcher pool = HEAP_POOL.matcher(scrape());
        while (pool.find()) {
            String labels = pool.group(1);
            if (labels.contains("area=\"heap\"") && !labels.contains("Eden")) {
                used += (long) Double.parseDouble(pool.group(2));
                found = true;
            }
        }
        if (!found) {
            throw new IllegalStateException("no jvm_memory_used_bytes{area=\"heap\"} in " + metrics);
        }
        return used;
    }

    /** The sum of a counter's series whose labels contain {@code labels} (such as {@code reason="slow_reader"}); 0 when none. */
    double counter(String name, String labels) {
        Matcher series = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)}\\s+(\\S+)", Pattern.MULTILINE).matcher(scrape());
        double sum = 0;
        while (series.find()) {
            if (series.group(1).contains(labels)) {
                sum += Double.parseDouble(series.group(2));
            }
        }
        return sum;
    }

    /** The lines of its log that match {@code pattern} (at most {@code limit}), to say in a test's output what it did. */
    java.util.List<String> logLines(Pattern pattern, int limit) {
        try (java.util.stream.Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return lines.filter(line -> pattern.matcher(line).find()).limit(limit).toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            return java.util.List.of("(cannot read " + log + ": " + e + ")");
        }
    }

    private void runGc() {
        try {
            Process jcmd = new ProcessBuilder("jcmd", Long.toString(pid), "GC.run").redirectErrorStream(true).start();
            String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
                throw new IllegalStateException("jcmd " + pid + " GC.run failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run jcmd", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private String scrape() {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(metrics + " answered HTTP " + response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + metrics, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
