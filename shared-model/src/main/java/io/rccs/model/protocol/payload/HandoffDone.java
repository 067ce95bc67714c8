package io.rccs.model.protocol.payload;

/** {@code handoff.done}: ownership moved (or did not, when {@code accepted} is false). */
public record HandoffDone(String session, String owner, long version, boolean accepted) implements Payload {
}
