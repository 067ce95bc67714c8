package io.rccs.model.events;

import com.fasterxml.jackson.annotation.JsonInclude;

/** A command's transition on {@link Topics#COMMAND_EVENTS}; {@code version} grows by one per transition. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CommandEvent(String commandId, String userId, String sender, String target, String name,
        String priority, String status, int attempt, long version, String error) {
}
