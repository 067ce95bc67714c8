package io.rccs.model.protocol.payload;

/** {@code reconnect}: the server is draining; connect again (to any instance) after {@code afterMs}. */
public record Reconnect(String reason, long afterMs) implements Payload {
}
