package io.rccs.model.events;

/** A device's connection closed, published on {@link Topics#FRAMES_IN} after the presence entry is gone. */
public record ConnectionClosed(String userId, String deviceId, String connectionId, int gateway, int closeCode) {

    /**
     * The close code of a connection replaced by a newer connection of its device (SPEC 3): the
     * device is still online, even while the newer connection's presence entry is being written.
     */
    public static final int REPLACED = 4409;
}
