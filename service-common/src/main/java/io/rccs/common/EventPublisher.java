package io.rccs.common;

import org.eclipse.microprofile.reactive.messaging.Message;

import io.rccs.model.events.CloudEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/** Publishes CloudEvents, always keyed, and completes when the broker has them. */
public final class EventPublisher {

    private EventPublisher() {
    }

    public static Uni<Void> publish(MutinyEmitter<String> emitter, String key, CloudEvent event) {
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build();
        return emitter.sendMessage(Message.of(event.toJson()).addMetadata(metadata));
    }
}
