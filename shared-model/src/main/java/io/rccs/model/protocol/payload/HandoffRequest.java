package io.rccs.model.protocol.payload;

import io.rccs.model.protocol.ProtocolException;

/** {@code handoff.request}: offer the session to another device. */
public record HandoffRequest(String session, String to) implements Payload {
    @Override
    public void validate() throws ProtocolException {
        Payload.requireText(session, "session", SessionRef.MAX_SESSION_ID);
        Payload.requireText(to, "to", Hello.MAX_DEVICE_ID);
    }
}
