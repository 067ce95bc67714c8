package io.rccs.model.protocol.payload;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code commands}: the answer to {@code commands.query} and {@code deadletters.admin}. {@code next}
 * is the cursor of the following page (pass it as {@code after}), null on the last one.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CommandsPage(List<CommandView> commands, String next) implements Payload {
}
