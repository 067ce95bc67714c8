package io.rccs.model.protocol.payload;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code command}: a queued command delivered to its target device. */
public record CommandDelivery(String commandId, String name, JsonNode args, String priority, int attempt)
        implements Payload {
}
