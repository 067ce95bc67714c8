package io.rccs.model.protocol.payload;

/** {@code devices.list}: the user's devices, optionally filtered. */
public record DevicesList(String kind, String capability, Boolean online) implements Payload {
}
