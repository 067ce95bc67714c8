package io.rccs.model.events;

/** A device's connection closed, published on {@link Topics#FRAMES_IN} after the presence entry is gone. */
public record ConnectionClosed(String userId, String deviceId, String connectionId, int gateway, int closeCode) {
}
