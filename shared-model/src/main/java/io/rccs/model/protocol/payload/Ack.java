package io.rccs.model.protocol.payload;

import io.rccs.model.protocol.ProtocolException;

/** {@code ack}: the client has every message up to and including {@code upTo}. */
public record Ack(Long upTo) implements Payload {
    @Override
    public void validate() throws ProtocolException {
        Payload.require(upTo != null && upTo >= 0 && upTo <= Hello.MAX_SEQ, "payload.upTo must be a sequence number >= 0");
    }
}
