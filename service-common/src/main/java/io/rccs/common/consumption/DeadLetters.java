package io.rccs.common.consumption;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.rccs.common.Channels;
import io.rccs.common.EventPublisher;
import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.DeadLetter;
import io.rccs.model.events.EventTypes;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;

/**
 * Moves a record no consumer can ever process to {@code rccs.dead-letters}, with its reason and
 * where it came from, and counts it ({@code rccs_dead_letters_total{consumer,reason}}). The
 * publish itself is retried until the broker has it: only then may the consumer move past the record.
 */
@ApplicationScoped
public class DeadLetters {

    /** The reason of a record that is not a CloudEvent. */
    public static final String MALFORMED = "malformed";
    /** The reason of an event its handler refused for good. */
    public static final String REJECTED = "rejected";

    private final MutinyEmitter<String> out;
    private final ReliableSteps steps;
    private final MeterRegistry metrics;
    private final String source;

    public DeadLetters(@Channel(Channels.DEAD_LETTERS_OUT) MutinyEmitter<String> out, ReliableSteps steps,
            MeterRegistry metrics, @ConfigProperty(name = "quarkus.application.name") String application) {
        this.out = out;
        this.steps = steps;
        this.metrics = metrics;
        this.source = "/" + application;
    }

    /**
     * Registers the consumer's counters at 0, for every reason: an alert on their increase would
     * otherwise miss the first dead letter (a series that first appears with 1 has no increase).
     */
    public void expect(String consumer) {
        for (String reason : new String[] {MALFORMED, REJECTED}) {
            metrics.counter("rccs_dead_letters_total", "consumer", consumer, "reason", reason);
        }
    }

    public Uni<Void> send(String consumer, ConsumerRecord<String, String> record, String reason, Throwable error) {
        String why = Failures.describe(error);
        Log.warnf("dead-lettering %s-%d@%d for %s (%s): %s", record.topic(), record.partition(), record.offset(),
                consumer, reason, why);
        metrics.counter("rccs_dead_letters_total", "consumer", consumer, "reason", reason).increment();
        DeadLetter letter = new DeadLetter(consumer, record.topic(), record.partition(), record.offset(), record.key(),
                record.value(), reason, why);
        String key = record.key() != null ? record.key() : record.topic() + "-" + record.partition();
        CloudEvent event = CloudEvent.of(EventTypes.DEAD_LETTER, source, key, letter);
        return steps.untilDone("dead-letter publish", () -> EventPublisher.publish(out, key, event));
    }
}
