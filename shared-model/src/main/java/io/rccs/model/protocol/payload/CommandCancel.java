package io.rccs.model.protocol.payload;

import io.rccs.model.protocol.ProtocolException;

/** {@code command.cancel}: the sender withdraws a command that has not run yet. */
public record CommandCancel(String commandId) implements Payload {
    @Override
    public void validate() throws ProtocolException {
        Payload.requireText(commandId, "commandId", 64);
    }
}
