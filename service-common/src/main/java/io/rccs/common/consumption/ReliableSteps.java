package io.rccs.common.consumption;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Runs one step of a consumer (a transaction, a lookup, a publish) until it is done: a transient
 * failure is retried with exponential backoff and jitter, without bound, while
 * {@link ConsumerProgress} reports the service not ready; a permanent failure ({@link Failures})
 * is passed on at once for the caller to dead-letter. Retrying a single step, not a whole handler,
 * keeps the steps before it from being repeated (no second welcome, no second copy of a message).
 */
@ApplicationScoped
public class ReliableSteps {

    static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final ConsumerProgress progress;
    private final MeterRegistry metrics;

    public ReliableSteps(ConsumerProgress progress, MeterRegistry metrics) {
        this.progress = progress;
        this.metrics = metrics;
    }

    public <T> Uni<T> untilDone(String step, Supplier<Uni<? extends T>> work) {
        // a retry resubscribes on a timer thread: run the step on the Vert.x context it was started on,
        // as the reactive database clients require
        Context context = Vertx.currentContext();
        Object token = new Object();
        AtomicInteger failures = new AtomicInteger();
        return Contexts.<T>on(context, work)
                .onFailure(Failures::isTransient).invoke(failure -> {
                    int count = failures.incrementAndGet();
                    metrics.counter("rccs_consumer_retries_total", "step", step).increment();
                    if (count == 1) {
                        progress.stalled(token, step, failure);
                        Log.warnf("%s failed, retrying until it succeeds: %s", step, Failures.describe(failure));
                    } else if (count % 20 == 0) {
                        Log.warnf("%s still failing after %d attempts: %s", step, count, Failures.describe(failure));
                    }
                })
                .onFailure(Failures::isTransient).retry().withBackOff(FIRST_BACKOFF, MAX_BACKOFF).withJitter(0.3)
                .atMost(Long.MAX_VALUE)
                .onTermination().invoke(() -> {
                    if (failures.get() > 0) {
                        progress.recovered(token);
                        Log.infof("%s succeeded after %d failed attempts", step, failures.get());
                    }
                });
    }
}
