package io.rccs.common.consumption;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Readiness {@code consumers}: DOWN while any step of a consumer keeps failing and is being retried,
 * because the service then cannot make progress (its offsets do not move). UP again as soon as the
 * step succeeds. The gauge {@code rccs_consumer_stalled_steps} says the same for dashboards.
 */
@ApplicationScoped
public class ConsumerProgress {

    /** What is stalled, and since when. */
    record Stall(String step, String failure, Instant since) {
    }

    private final Map<Object, Stall> stalls = new ConcurrentHashMap<>();

    public ConsumerProgress(MeterRegistry metrics) {
        metrics.gaugeMapSize("rccs_consumer_stalled_steps", java.util.List.of(), stalls);
    }

    void stalled(Object token, String step, Throwable failure) {
        stalls.put(token, new Stall(step, Failures.describe(failure), Instant.now()));
    }

    void recovered(Object token) {
        stalls.remove(token);
    }

    /** The readiness answer ({@link ConsumersReadiness}). */
    HealthCheckResponse health() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("consumers").status(stalls.isEmpty());
        stalls.values().stream().limit(5).forEach(stall -> response.withData(stall.step(),
                "retrying since " + stall.since() + ": " + stall.failure()));
        return response.build();
    }
}
