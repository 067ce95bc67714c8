package io.rccs.model.protocol.payload;

import io.rccs.model.protocol.ProtocolException;

/**
 * {@code devices.list}: the user's devices, optionally filtered by kind, by a capability requirement
 * (see {@link Capabilities}), by presence, or to the one device {@code id}.
 */
public record DevicesList(String kind, String capability, Boolean online, String id) implements Payload {

    public DevicesList(String kind, String capability, Boolean online) {
        this(kind, capability, online, null);
    }

    @Override
    public void validate() throws ProtocolException {
        Payload.optionalText(kind, "kind", 16);
        Payload.optionalText(capability, "capability", 64);
        Payload.require(capability == null || Capabilities.valid(capability), "payload.capability must be name or name@major");
        Payload.optionalText(id, "id", Hello.MAX_DEVICE_ID);
    }
}
