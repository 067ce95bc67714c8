package io.rccs.model.protocol.payload;

import java.util.Set;

import io.rccs.model.protocol.ProtocolException;

/**
 * {@code commands.query}: the user's own commands, newest first: one ({@code commandId}), or a page
 * filtered by status and device (sender or target). {@code after} is the {@code next} cursor of the
 * page before.
 */
public record CommandsQuery(String commandId, String status, String device, String after, Integer limit) implements Payload {

    public static final Set<String> STATUSES = Set.of("QUEUED", "DISPATCHED", "DELIVERED", "SUCCEEDED", "FAILED",
            "CANCELLED", "EXPIRED", "DEAD");
    public static final int MAX_LIMIT = 500;
    public static final int DEFAULT_LIMIT = 50;

    public CommandsQuery {
        limit = limit == null ? DEFAULT_LIMIT : limit;
    }

    @Override
    public void validate() throws ProtocolException {
        Payload.optionalText(commandId, "commandId", 64);
        Payload.require(status == null || STATUSES.contains(status), "status must be one of " + STATUSES);
        Payload.optionalText(device, "device", Hello.MAX_DEVICE_ID);
        Payload.optionalText(after, "after", 128);
        Payload.require(limit >= 1 && limit <= MAX_LIMIT, "limit must be 1.." + MAX_LIMIT);
    }
}
