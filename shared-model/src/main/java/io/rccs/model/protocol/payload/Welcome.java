package io.rccs.model.protocol.payload;

/** {@code welcome}: the answer to {@code hello}. */
public record Welcome(String connectionId, String deviceId, boolean trusted, int heartbeatSec, boolean resumed,
        long missed) implements Payload {
}
