package io.rccs.model.events;

import io.rccs.model.protocol.Frame;

/**
 * A server frame a service puts in a device's inbox, published on {@link Topics#FRAMES_IN} (key: user
 * id, header {@link Topics#FRAME_TYPE_HEADER} = {@link Topics#INBOX_APPEND_TYPE}). The relay stores it
 * like a message (same seq, replay, acknowledgement and retention) and delivers it when the device is
 * online. {@code source} and {@code key} make it idempotent: the same pair twice is stored once.
 *
 * @param userId   the device's user
 * @param deviceId the device whose inbox gets the frame
 * @param source   the publishing service (e.g. {@code command-queue}); stored as the entry's sender,
 *                 prefixed with {@code @} so that it is never a device's id
 * @param key      unique per source and device, e.g. {@code <commandId>.v<version>}
 * @param frame    the server frame as the device gets it, without {@code seq}
 */
public record InboxAppend(String userId, String deviceId, String source, String key, Frame frame) {

    /** The sender recorded for entries of this source: {@code @} is not allowed in a device id. */
    public String senderDevice() {
        return "@" + source;
    }
}
