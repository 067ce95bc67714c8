package io.rccs.model.protocol.payload;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.ProtocolException;

/**
 * {@code session.open}: create a work session owned by the calling device, with a JSON object as its
 * state document (version 1). {@code requires}: the capabilities a device needs to own it (handoff,
 * failover). {@code failover}: whether ownership may move when the owner is gone for longer than
 * {@code graceSec}. The frame id makes a resend open the same session, not a second one.
 */
public record SessionOpen(String name, JsonNode state, List<String> requires, Boolean failover, Integer graceSec)
        implements Payload {

    /** The longest grace period a session may ask for (a day). */
    public static final int MAX_GRACE_SEC = 86_400;

    public SessionOpen {
        requires = requires == null ? List.of() : List.copyOf(requires);
        state = state == null || state.isNull() ? null : state; // "state": null is no state
        failover = failover == null ? Boolean.TRUE : failover;
    }

    @Override
    public void validate() throws ProtocolException {
        Payload.optionalText(name, "name", 128);
        Payload.require(state == null || state.isObject(), "payload.state must be a JSON object");
        Payload.require(requires.size() <= 32, "payload.requires has more than 32 capabilities");
        for (String capability : requires) {
            Payload.requireText(capability, "requires[]", 64);
            Payload.require(Capabilities.valid(capability), "payload.requires[] must be name or name@major: " + capability);
        }
        Payload.require(graceSec == null || (graceSec >= 0 && graceSec <= MAX_GRACE_SEC),
                "payload.graceSec must be 0.." + MAX_GRACE_SEC);
    }
}
