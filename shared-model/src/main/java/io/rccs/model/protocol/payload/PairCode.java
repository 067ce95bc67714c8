package io.rccs.model.protocol.payload;

/** {@code pair.code}: a single-use pairing code and when it expires (epoch ms). */
public record PairCode(String code, long expiresAt) implements Payload {
}
