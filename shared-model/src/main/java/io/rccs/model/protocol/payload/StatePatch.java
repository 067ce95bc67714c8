package io.rccs.model.protocol.payload;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.ProtocolException;

/** {@code state.patch}: apply RFC 6902 operations if the session is still at {@code baseVersion}. */
public record StatePatch(String session, Long baseVersion, JsonNode ops) implements Payload {

    /** The most operations one patch may carry (its bytes are bounded by the frame size). */
    public static final int MAX_OPS = 1_000;

    @Override
    public void validate() throws ProtocolException {
        Payload.requireText(session, "session", SessionRef.MAX_SESSION_ID);
        Payload.require(baseVersion != null && baseVersion >= 0, "payload.baseVersion is required");
        Payload.require(ops != null && ops.isArray() && !ops.isEmpty(), "payload.ops must be a non-empty JSON Patch array");
        Payload.require(ops.size() <= MAX_OPS, "payload.ops has more than " + MAX_OPS + " operations");
    }
}
