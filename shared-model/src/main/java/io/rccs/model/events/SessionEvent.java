package io.rccs.model.events;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A work session's change on {@link Topics#SESSION_EVENTS}. {@code version} is the session's version
 * after the change (strictly increasing per session: a consumer keeps the highest it has seen and
 * passes over older ones). {@code previousOwner} is set when the owner changed; {@code ops} (RFC 6902)
 * on a state change; {@code status} is open or closed.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SessionEvent(String sessionId, String userId, String name, String owner, String previousOwner,
        long version, String status, List<String> requires, boolean failover, JsonNode ops) {
}
