package io.rccs.model.protocol.payload;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code handoff.offer}: a session, with its state, offered to this device. */
public record HandoffOffer(String session, String from, long version, JsonNode document) implements Payload {
}
