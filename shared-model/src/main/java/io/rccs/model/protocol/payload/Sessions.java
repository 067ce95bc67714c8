package io.rccs.model.protocol.payload;

import java.util.List;

/** {@code sessions}: the answer to {@code session.list}, newest first. */
public record Sessions(List<SessionInfo> sessions) implements Payload {
}
