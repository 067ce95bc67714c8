package io.rccs.model.protocol.payload;

/** {@code pair.start}: a trusted device asks for a pairing code. */
public record PairStart() implements Payload {
}
