package io.rccs.model.protocol.payload;

import java.util.Set;

import io.rccs.model.protocol.ProtocolException;

/**
 * {@code deadletters.admin} (REST only, role {@code rccs-admin}): an operator's work on the command
 * dead letters (EXPIRED and DEAD commands) of every user. {@code action}: {@code list} (a page, newest
 * first), {@code get} (one), {@code requeue} (back to QUEUED with fresh attempts and TTL, the sender is
 * told), {@code purge} (deleted). With {@code commandId}, requeue and purge act on that one; without
 * it, on every dead letter the filter matches, at most {@code limit} per call (the answer's
 * {@code next} says more are left); a bulk call needs at least one filter.
 *
 * @param olderThanSec only dead letters that died at least this many seconds ago
 */
public record DeadLetterAdmin(String action, String commandId, String userId, String device, String reason,
        Long olderThanSec, String after, Integer limit) implements Payload {

    public static final Set<String> ACTIONS = Set.of("list", "get", "requeue", "purge");
    public static final Set<String> REASONS = Set.of("EXPIRED", "DEAD");
    public static final int MAX_LIMIT = 1000;

    public DeadLetterAdmin {
        limit = limit == null ? CommandsQuery.DEFAULT_LIMIT : limit;
    }

    public static DeadLetterAdmin one(String action, String commandId) {
        return new DeadLetterAdmin(action, commandId, null, null, null, null, null, null);
    }

    public boolean bulk() {
        return commandId == null && ("requeue".equals(action) || "purge".equals(action));
    }

    @Override
    public void validate() throws ProtocolException {
        Payload.require(action != null && ACTIONS.contains(action), "payload.action must be one of " + ACTIONS);
        Payload.optionalText(commandId, "commandId", 64);
        Payload.require(!"get".equals(action) || commandId != null, "payload.commandId is required to get one");
        Payload.optionalText(userId, "userId", 255);
        Payload.optionalText(device, "device", Hello.MAX_DEVICE_ID);
        Payload.require(reason == null || REASONS.contains(reason), "reason must be one of " + REASONS);
        Payload.require(olderThanSec == null || olderThanSec >= 0, "olderThanSec must not be negative");
        Payload.optionalText(after, "after", 128);
        Payload.require(limit >= 1 && limit <= MAX_LIMIT, "limit must be 1.." + MAX_LIMIT);
        Payload.require(!bulk() || userId != null || device != null || reason != null || olderThanSec != null,
                "a bulk " + action + " needs a filter (userId, device, reason or olderThanSec)");
    }
}
