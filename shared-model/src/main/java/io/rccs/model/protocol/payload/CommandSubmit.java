package io.rccs.model.protocol.payload;

import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.ProtocolException;

/**
 * {@code command.submit}: queue a command for a device (SPEC 3.3). The frame id is the idempotency key.
 * With {@code session}, the command is for whichever device owns that work session when it is
 * dispatched: it follows the session through handoff and failover ({@code to} is then left out).
 */
public record CommandSubmit(String name, JsonNode args, String priority, Long notBefore, Long ttlSec,
        Integer maxAttempts, List<String> requires, String session) implements Payload {

    public static final Set<String> PRIORITIES = Set.of("low", "normal", "high", "critical");
    public static final long DEFAULT_TTL_SEC = 86_400;
    public static final long MAX_TTL_SEC = 604_800;
    public static final int DEFAULT_MAX_ATTEMPTS = 10;
    /** The latest notBefore (2100-01-01): later would be past any TTL, and past what every clock and column can hold. */
    public static final long MAX_NOT_BEFORE = 4_102_444_800_000L;

    public CommandSubmit {
        priority = priority == null ? "normal" : priority;
        ttlSec = ttlSec == null ? DEFAULT_TTL_SEC : ttlSec;
        maxAttempts = maxAttempts == null ? DEFAULT_MAX_ATTEMPTS : maxAttempts;
        requires = requires == null ? List.of() : List.copyOf(requires);
    }

    /** A command for a device, not for a session. */
    public CommandSubmit(String name, JsonNode args, String priority, Long notBefore, Long ttlSec, Integer maxAttempts,
            List<String> requires) {
        this(name, args, priority, notBefore, ttlSec, maxAttempts, requires, null);
    }

    @Override
    public void validate() throws ProtocolException {
        Payload.requireText(name, "name", 128);
        Payload.require(PRIORITIES.contains(priority), "payload.priority must be one of " + PRIORITIES);
        Payload.require(ttlSec > 0 && ttlSec <= MAX_TTL_SEC, "payload.ttlSec must be 1.." + MAX_TTL_SEC);
        Payload.require(maxAttempts > 0 && maxAttempts <= 100, "payload.maxAttempts must be 1..100");
        Payload.optionalText(session, "session", SessionRef.MAX_SESSION_ID);
        Payload.require(notBefore == null || (notBefore >= 0 && notBefore <= MAX_NOT_BEFORE),
                "payload.notBefore must be epoch milliseconds before 2100");
        for (String capability : requires) {
            Payload.requireText(capability, "requires[]", 64);
            Payload.require(Capabilities.valid(capability), "payload.requires[] must be name or name@major: " + capability);
        }
    }
}
