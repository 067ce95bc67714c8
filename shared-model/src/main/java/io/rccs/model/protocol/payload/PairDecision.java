package io.rccs.model.protocol.payload;

import io.rccs.model.protocol.ProtocolException;

/** {@code pair.approve} / {@code pair.deny}: the trusted device's answer to a {@code pair.request}. */
public record PairDecision(String claimId) implements Payload {
    @Override
    public void validate() throws ProtocolException {
        Payload.requireText(claimId, "claimId", 64);
    }
}
