package io.rccs.model.events;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.FrameCodec;

/**
 * A CloudEvents 1.0 event in structured JSON mode: every RCCS Kafka record value is one of these.
 *
 * @param id      unique per event; consumers use it (or a business key inside data) to drop duplicates
 * @param source  the emitting service instance, e.g. {@code /rccs-gateway/0}
 * @param subject what the event is about (user, device or command id)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CloudEvent(String specversion, String id, String source, String type, String subject, String time,
        String datacontenttype, JsonNode data) {

    public static final String SPEC_VERSION = "1.0";

    public static CloudEvent of(String type, String source, String subject, Object data) {
        return new CloudEvent(SPEC_VERSION, UUID.randomUUID().toString(), source, type, subject,
                Instant.now().toString(), "application/json", FrameCodec.mapper().valueToTree(data));
    }

    /** The data mapped to its contract record. */
    public <T> T data(Class<T> type) {
        try {
            return FrameCodec.mapper().treeToValue(data, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("event " + id + " of type " + this.type + " has no valid " + type.getSimpleName(), e);
        }
    }

    public String toJson() {
        try {
            return FrameCodec.mapper().writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static CloudEvent fromJson(String json) {
        try {
            CloudEvent event = FrameCodec.mapper().readValue(json, CloudEvent.class);
            if (!SPEC_VERSION.equals(event.specversion()) || event.type() == null || event.id() == null) {
                throw new IllegalArgumentException("not a CloudEvents 1.0 event");
            }
            return event;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a CloudEvents JSON event: " + e.getOriginalMessage(), e);
        }
    }
}
