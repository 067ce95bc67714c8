package io.rccs.model.events;

import java.util.List;

/** Device lifecycle and presence on {@link Topics#DEVICE_EVENTS}. */
public record DeviceEvent(String userId, String deviceId, String name, String kind, List<String> capabilities,
        boolean trusted, boolean online, String connectionId, Integer gateway) {
}
