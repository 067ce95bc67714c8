package io.rccs.model.protocol.payload;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.ProtocolException;

/** {@code command.result}: the command ran (-> SUCCEEDED or FAILED). */
public record CommandResult(String commandId, Boolean ok, JsonNode output, String error) implements Payload {
    @Override
    public void validate() throws ProtocolException {
        Payload.requireText(commandId, "commandId", 64);
        Payload.require(ok != null, "payload.ok is required");
        Payload.optionalText(error, "error", 4096);
    }
}
