package io.rccs.model.protocol.payload;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/** {@code command.status}: the command's state after a transition (QUEUED, DISPATCHED, DELIVERED, ...). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CommandStatus(String commandId, String status, String target, Integer attempt, JsonNode output,
        String error) implements Payload {

    public static CommandStatus of(String commandId, String status, String target, Integer attempt) {
        return new CommandStatus(commandId, status, target, attempt, null, null);
    }
}
