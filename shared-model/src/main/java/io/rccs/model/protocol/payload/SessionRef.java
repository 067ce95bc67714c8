package io.rccs.model.protocol.payload;

import io.rccs.model.protocol.ProtocolException;

/** {@code session.join} (follow a session of the user) and {@code session.close} (its owner ends it). */
public record SessionRef(String session) implements Payload {

    /** Session ids are UUIDs; 64 leaves room without letting a column overflow. */
    public static final int MAX_SESSION_ID = 64;

    @Override
    public void validate() throws ProtocolException {
        Payload.requireText(session, "session", MAX_SESSION_ID);
    }
}
