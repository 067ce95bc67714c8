package io.rccs.relay.session;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.rccs.common.Channels;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/** Publishes a logged session change on rccs.session.events, keyed by session. */
@ApplicationScoped
public class SessionEventPublisher {

    /** The CloudEvents source of session events. */
    public static final String SOURCE = "/device-relay-service/sessions";

    private final MutinyEmitter<String> events;

    public SessionEventPublisher(@Channel(Channels.SESSION_EVENTS_OUT) MutinyEmitter<String> events) {
        this.events = events;
    }

    /** The event as logged in relay.session_change (CloudEvent JSON), sent as it is. */
    public Uni<Void> publish(String sessionId, String eventJson) {
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder().withKey(sessionId).build();
        return events.sendMessage(Message.of(eventJson).addMetadata(metadata));
    }
}
