package io.rccs.model.protocol.payload;

/**
 * {@code pair.result}: whether the claiming device is now trusted. The claiming device gets it when
 * a trusted device decided; the deciding device gets it too, as the answer to its decision.
 */
public record PairResult(String deviceId, boolean approved) implements Payload {
}
