package io.rccs.model.protocol.payload;

import io.rccs.model.protocol.ProtocolException;

/**
 * {@code device.revoke}: a trusted device (or REST) revokes one of the user's devices: its
 * credential stops working, its connection is closed (4403) and its inbox dropped.
 */
public record DeviceRevoke(String deviceId) implements Payload {
    @Override
    public void validate() throws ProtocolException {
        Payload.requireText(deviceId, "deviceId", Hello.MAX_DEVICE_ID);
    }
}
