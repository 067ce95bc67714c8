package io.rccs.common;

import java.time.Duration;
import java.util.function.Function;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.rccs.model.events.CloudEvent;
import io.smallrye.mutiny.Uni;

/**
 * How every RCCS consumer treats a record: a value that is not a CloudEvent is skipped (it would
 * fail forever); a handler failure is retried with backoff, since it is usually the database or the
 * broker; what still fails is logged, counted and skipped so one record cannot stall a partition.
 */
public final class EventConsumption {

    private EventConsumption() {
    }

    public static Uni<Void> consume(String json, MeterRegistry metrics, Function<CloudEvent, Uni<Void>> handler) {
        CloudEvent event;
        try {
            event = CloudEvent.fromJson(json);
        } catch (IllegalArgumentException malformed) {
            Log.warnf("skipping a record that is not a CloudEvent: %s", malformed.getMessage());
            metrics.counter("rccs_events_skipped_total", "reason", "malformed").increment();
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().deferred(() -> handler.apply(event))
                .onFailure(failure -> !(failure instanceof IllegalArgumentException))
                .retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5)).atMost(5)
                .onFailure().recoverWithItem(failure -> {
                    if (failure instanceof IllegalArgumentException malformed) { // bad data: retrying cannot help
                        Log.warnf("skipping event %s (%s): %s", event.id(), event.type(), malformed.getMessage());
                        metrics.counter("rccs_events_skipped_total", "reason", "malformed").increment();
                    } else {
                        Log.errorf(failure, "giving up on event %s (%s)", event.id(), event.type());
                        metrics.counter("rccs_events_skipped_total", "reason", "failed").increment();
                    }
                    return null;
                });
    }
}
