package io.rccs.model.protocol.payload;

import io.rccs.model.protocol.ProtocolException;

/** {@code handoff.accept} / {@code handoff.reject}: the offered device's answer. */
public record HandoffAnswer(String session) implements Payload {
    @Override
    public void validate() throws ProtocolException {
        Payload.requireText(session, "session", SessionRef.MAX_SESSION_ID);
    }
}
