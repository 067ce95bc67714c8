package io.rccs.model.protocol.payload;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.ProtocolException;

/** {@code state.patch}: apply RFC 6902 operations if the session is still at {@code baseVersion}. */
public record StatePatch(String session, Long baseVersion, JsonNode ops) implements Payload {
    @Override
    public void validate() throws ProtocolException {
        Payload.requireText(session, "session", 64);
        Payload.require(baseVersion != null && baseVersion >= 0, "payload.baseVersion is required");
        Payload.require(ops != null && ops.isArray(), "payload.ops must be a JSON Patch array");
    }
}
