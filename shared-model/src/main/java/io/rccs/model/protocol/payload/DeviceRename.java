package io.rccs.model.protocol.payload;

import io.rccs.model.protocol.ProtocolException;

/** {@code device.rename}: a trusted device (or REST) gives one of the user's devices a new name. */
public record DeviceRename(String deviceId, String name) implements Payload {
    @Override
    public void validate() throws ProtocolException {
        Payload.requireText(deviceId, "deviceId", Hello.MAX_DEVICE_ID);
        Payload.requireText(name, "name", Hello.MAX_NAME);
    }
}
