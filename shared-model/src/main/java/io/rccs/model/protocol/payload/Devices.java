package io.rccs.model.protocol.payload;

import java.util.List;

/** {@code devices}: the answer to {@code devices.list}. */
public record Devices(List<DeviceInfo> devices) implements Payload {

    /** One device as others see it. */
    public record DeviceInfo(String id, String name, String kind, String platform, List<String> capabilities,
            boolean trusted, String presence, Long lastSeen) {
    }
}
