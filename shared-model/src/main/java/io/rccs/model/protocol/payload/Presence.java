package io.rccs.model.protocol.payload;

/** {@code presence}: another device of the user came online or went offline. */
public record Presence(String deviceId, String presence, Long lastSeen) implements Payload {
}
