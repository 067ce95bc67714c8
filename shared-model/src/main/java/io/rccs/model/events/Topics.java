package io.rccs.model.events;

/**
 * The Kafka topics RCCS owns, with their keys. deploy/topics.conf creates them with these names;
 * docs/asyncapi.yaml documents them.
 */
public final class Topics {

    /**
     * Every frame a client sends but the command frames ({@link #COMMANDS_IN}), and connection
     * lifecycle, from the gateways. Key: user id (order per user).
     */
    public static final String FRAMES_IN = "rccs.frames.in";

    /**
     * The command frames clients send ({@code command.*}), from the gateways, for the command queue.
     * Key: user id. Apart from {@link #FRAMES_IN} so that neither service reads the other's traffic.
     */
    public static final String COMMANDS_IN = "rccs.commands.in";

    /**
     * What the services address to a device. Key: {@code userId/deviceId}. The partition is chosen
     * explicitly: partition N is read only by gateway instance N, the one that holds the device
     * (its index is in the device's presence entry in Redis).
     */
    public static final String DELIVERIES = "rccs.deliveries";

    /** Device lifecycle and presence. Key: {@code userId/deviceId}. */
    public static final String DEVICE_EVENTS = "rccs.device.events";

    /** Every command lifecycle transition. Key: command id (order per command). */
    public static final String COMMAND_EVENTS = "rccs.command.events";

    /**
     * Every work-session change (opened, state changed, handed off, failed over, closed). Key: session
     * id; {@code version} grows by one per change of a session.
     */
    public static final String SESSION_EVENTS = "rccs.session.events";

    /**
     * Commands that became dead letters (EXPIRED, DEAD), for backend teams; operators work them over
     * REST ({@code /v1/admin/dead-letters}). Key: command id.
     */
    public static final String COMMAND_DEAD_LETTERS = "rccs.command.dead-letters";

    /**
     * Commands submitted by backends over Kafka, with the semantics of {@code command.submit}.
     * Key: user id (order per user).
     */
    public static final String COMMANDS_SUBMIT = "rccs.commands.submit";

    /**
     * Records a consumer can never process (not a valid event, or one that breaks a rule for good),
     * with the reason and where they came from. Key: the original record's key.
     */
    public static final String DEAD_LETTERS = "rccs.dead-letters";

    /**
     * A header of every {@link #FRAMES_IN} record: the frame's type (or {@code connection.closed}),
     * so that a consumer can pass over the records it does not handle without parsing them.
     */
    public static final String FRAME_TYPE_HEADER = "rccs-frame-type";

    /** The {@link #FRAME_TYPE_HEADER} value of an {@link EventTypes#INBOX_APPEND} record. */
    public static final String INBOX_APPEND_TYPE = "inbox.append";

    /** The {@link #FRAME_TYPE_HEADER} value of a connection-closed record. */
    public static final String CONNECTION_CLOSED_TYPE = "connection.closed";

    private Topics() {
    }

    /** The topic a client frame of this type is published on. */
    public static String inboundTopic(String frameType) {
        return isCommandQueueFrame(frameType) ? COMMANDS_IN : FRAMES_IN;
    }

    /** The frame types the command queue answers: {@code command.*}, {@code commands.query}, {@code deadletters.admin}. */
    public static boolean isCommandQueueFrame(String frameType) {
        return frameType.startsWith("command.") || frameType.startsWith("commands.") || frameType.startsWith("deadletters.");
    }

    /** The key of per-device records: device ids are unique only within their user. */
    public static String deviceKey(String userId, String deviceId) {
        return userId + "/" + deviceId;
    }
}
