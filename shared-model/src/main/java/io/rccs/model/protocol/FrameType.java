package io.rccs.model.protocol;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import io.rccs.model.protocol.payload.*;

/**
 * Every frame type of wire protocol v1 (SPEC 3), who may send it and the record its payload maps to.
 * A null payload class means the payload is free-form JSON (a {@code message} body) or empty.
 */
public enum FrameType {
    // client -> server
    HELLO("hello", Direction.CLIENT, Hello.class),
    MESSAGE("message", Direction.BOTH, null),
    ACK("ack", Direction.CLIENT, Ack.class),
    COMMAND_SUBMIT("command.submit", Direction.CLIENT, CommandSubmit.class),
    COMMAND_ACK("command.ack", Direction.CLIENT, CommandAck.class),
    COMMAND_RESULT("command.result", Direction.CLIENT, CommandResult.class),
    COMMAND_CANCEL("command.cancel", Direction.CLIENT, CommandCancel.class),
    DEVICES_LIST("devices.list", Direction.CLIENT, DevicesList.class),
    DEVICE_RENAME("device.rename", Direction.CLIENT, DeviceRename.class),
    DEVICE_REVOKE("device.revoke", Direction.CLIENT, DeviceRevoke.class),
    PAIR_START("pair.start", Direction.CLIENT, PairStart.class),
    PAIR_CLAIM("pair.claim", Direction.CLIENT, PairClaim.class),
    PAIR_APPROVE("pair.approve", Direction.CLIENT, PairDecision.class),
    PAIR_DENY("pair.deny", Direction.CLIENT, PairDecision.class),
    SESSION_OPEN("session.open", Direction.CLIENT, SessionOpen.class),
    SESSION_JOIN("session.join", Direction.CLIENT, SessionRef.class),
    SESSION_LIST("session.list", Direction.CLIENT, SessionsQuery.class),
    SESSION_CLOSE("session.close", Direction.CLIENT, SessionRef.class),
    STATE_GET("state.get", Direction.CLIENT, StateGet.class),
    STATE_PATCH("state.patch", Direction.CLIENT, StatePatch.class),
    HANDOFF_REQUEST("handoff.request", Direction.CLIENT, HandoffRequest.class),
    HANDOFF_ACCEPT("handoff.accept", Direction.CLIENT, HandoffAnswer.class),
    HANDOFF_REJECT("handoff.reject", Direction.CLIENT, HandoffAnswer.class),
    COMMANDS_QUERY("commands.query", Direction.CLIENT, CommandsQuery.class),
    /** REST only ({@code /v1/admin/dead-letters}, role {@code rccs-admin}): the gateway refuses it on a socket. */
    DEAD_LETTERS_ADMIN("deadletters.admin", Direction.REST, DeadLetterAdmin.class),
    /** A newer token for the same user (SPEC 3): the socket outlives the first token's expiry. */
    AUTH_REFRESH("auth.refresh", Direction.CLIENT, AuthRefresh.class),
    PING("ping", Direction.CLIENT, null),
    // server -> client
    WELCOME("welcome", Direction.SERVER, Welcome.class),
    COMMAND("command", Direction.SERVER, CommandDelivery.class),
    COMMAND_STATUS("command.status", Direction.SERVER, CommandStatus.class),
    DEVICES("devices", Direction.SERVER, Devices.class),
    COMMANDS("commands", Direction.SERVER, CommandsPage.class),
    PRESENCE("presence", Direction.SERVER, Presence.class),
    PAIR_CODE("pair.code", Direction.SERVER, PairCode.class),
    PAIR_REQUEST("pair.request", Direction.SERVER, PairRequest.class),
    PAIR_RESULT("pair.result", Direction.SERVER, PairResult.class),
    SESSIONS("sessions", Direction.SERVER, Sessions.class),
    STATE("state", Direction.SERVER, State.class),
    HANDOFF_OFFER("handoff.offer", Direction.SERVER, HandoffOffer.class),
    HANDOFF_DONE("handoff.done", Direction.SERVER, HandoffDone.class),
    ERROR("error", Direction.SERVER, ErrorPayload.class),
    PONG("pong", Direction.SERVER, null),
    /** The answer to {@code auth.refresh}: the new token is the connection's identity now. */
    AUTH_OK("auth.ok", Direction.SERVER, AuthRefreshed.class),
    RECONNECT("reconnect", Direction.SERVER, Reconnect.class);

    /** Who may send a frame of this type. */
    public enum Direction { CLIENT, SERVER, BOTH, /** made by the gateway from a REST request, never sent on a socket */ REST }

    private static final Map<String, FrameType> BY_WIRE = new HashMap<>();

    static {
        for (FrameType type : values()) {
            BY_WIRE.put(type.wire, type);
        }
    }

    private final String wire;
    private final Direction direction;
    private final Class<? extends Payload> payloadClass;

    FrameType(String wire, Direction direction, Class<? extends Payload> payloadClass) {
        this.wire = wire;
        this.direction = direction;
        this.payloadClass = payloadClass;
    }

    public String wire() {
        return wire;
    }

    /** A client may send it on a socket. */
    public boolean clientMaySend() {
        return direction == Direction.CLIENT || direction == Direction.BOTH;
    }

    /** Only the gateway's REST API makes frames of this type. */
    public boolean restOnly() {
        return direction == Direction.REST;
    }

    public Class<? extends Payload> payloadClass() {
        return payloadClass;
    }

    public static Optional<FrameType> fromWire(String wire) {
        return Optional.ofNullable(BY_WIRE.get(wire));
    }
}
