package io.rccs.model.protocol.payload;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code command.status}: the command's state after a transition (QUEUED, DISPATCHED, DELIVERED, ...).
 * {@code version} grows by one on every transition of the command: a client that sees a version it
 * has seen, or an older one, has it already.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CommandStatus(String commandId, String status, String target, Integer attempt, JsonNode output,
        String error, Long version) implements Payload {

    public CommandStatus(String commandId, String status, String target, Integer attempt, JsonNode output, String error) {
        this(commandId, status, target, attempt, output, error, null);
    }

    public static CommandStatus of(String commandId, String status, String target, Integer attempt) {
        return new CommandStatus(commandId, status, target, attempt, null, null, null);
    }
}
