package io.rccs.model.protocol.payload;

/** {@code pair.result}: whether the claiming device is now trusted. */
public record PairResult(String deviceId, boolean approved) implements Payload {
}
