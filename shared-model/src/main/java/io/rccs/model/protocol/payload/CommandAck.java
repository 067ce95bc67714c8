package io.rccs.model.protocol.payload;

import io.rccs.model.protocol.ProtocolException;

/** {@code command.ack}: the target device has the command (-> DELIVERED). */
public record CommandAck(String commandId) implements Payload {
    @Override
    public void validate() throws ProtocolException {
        Payload.requireText(commandId, "commandId", 64);
    }
}
