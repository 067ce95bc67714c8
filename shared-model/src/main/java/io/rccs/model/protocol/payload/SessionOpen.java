package io.rccs.model.protocol.payload;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code session.open}: create a work session owned by the caller, or open an existing one. */
public record SessionOpen(String session, List<String> requires, Boolean failover, JsonNode state)
        implements Payload {
}
