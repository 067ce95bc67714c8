package io.rccs.model.protocol.payload;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A command as REST and {@code commands.query} show it. Times are epoch milliseconds.
 *
 * @param sender    the submitting device, or {@code @rest} / {@code @kafka:<source>} for a backend
 * @param target    the device it is for (chosen at dispatch when submitted without {@code to})
 * @param deadAt    when it became a dead letter (EXPIRED, DEAD), else null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CommandView(String commandId, String userId, String name, JsonNode args, String priority, String status,
        String sender, String target, List<String> requires, int attempt, int maxAttempts, Long notBefore,
        long expiresAt, long ttlSec, long createdAt, long updatedAt, Long nextAttemptAt, Long deadAt,
        JsonNode output, String error, long version) {
}
