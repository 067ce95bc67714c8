package io.rccs.model.protocol.payload;

/** {@code session.list}: the user's sessions, open ones only unless {@code closed} is true. */
public record SessionsQuery(Boolean closed) implements Payload {

    public boolean includeClosed() {
        return Boolean.TRUE.equals(closed);
    }
}
