package io.rccs.common;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.internals.RecordHeaders;
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

    /** As {@link #publish(MutinyEmitter, String, CloudEvent)}, with one header (a filter for consumers). */
    public static Uni<Void> publish(MutinyEmitter<String> emitter, String key, CloudEvent event, String header, String value) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(header, value.getBytes(StandardCharsets.UTF_8));
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder().withKey(key)
                .withHeaders(headers).build();
        return emitter.sendMessage(Message.of(event.toJson()).addMetadata(metadata));
    }
}
