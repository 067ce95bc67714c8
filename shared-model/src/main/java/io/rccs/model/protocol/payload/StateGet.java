package io.rccs.model.protocol.payload;

import io.rccs.model.protocol.ProtocolException;

/** {@code state.get}: read a work session's state document. */
public record StateGet(String session) implements Payload {
    @Override
    public void validate() throws ProtocolException {
        Payload.requireText(session, "session", SessionRef.MAX_SESSION_ID);
    }
}
