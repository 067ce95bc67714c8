package io.rccs.model.protocol.payload;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code handoff.offer}: the owner {@code from} offers the session to this device, with its document
 * at {@code version}. Answer with {@code handoff.accept} or {@code handoff.reject} before
 * {@code expiresAt} (epoch ms); versions after it reach this device as {@code state} frames meanwhile.
 */
public record HandoffOffer(String session, String name, String from, long version, JsonNode document,
        List<String> requires, long expiresAt) implements Payload {
}
