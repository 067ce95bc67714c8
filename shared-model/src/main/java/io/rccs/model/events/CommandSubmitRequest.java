package io.rccs.model.events;

import io.rccs.model.protocol.payload.CommandSubmit;

/**
 * A command a backend submits in a user's name on {@link Topics#COMMANDS_SUBMIT} (key: user id),
 * with the semantics of {@code command.submit}. Its status is published on
 * {@link Topics#COMMAND_EVENTS} like any other command's.
 *
 * @param userId         the user whose device runs it
 * @param source         the submitting backend (a short name); with the key, the idempotency scope
 * @param idempotencyKey the same key from the same source yields one command
 * @param to             the target device, or null for any trusted online device with the capabilities
 * @param command        what to run, as in {@code command.submit}
 */
public record CommandSubmitRequest(String userId, String source, String idempotencyKey, String to, CommandSubmit command) {
}
