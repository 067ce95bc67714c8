package io.rccs.model.protocol.payload;

import io.rccs.model.protocol.ProtocolException;

/** {@code pair.claim}: a pending device presents the code a trusted device showed. */
public record PairClaim(String code) implements Payload {
    @Override
    public void validate() throws ProtocolException {
        Payload.requireText(code, "code", 16);
    }
}
