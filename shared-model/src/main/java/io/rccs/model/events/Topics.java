package io.rccs.model.events;

/**
 * The Kafka topics RCCS owns, with their keys. deploy/topics.conf creates them with these names;
 * docs/asyncapi.yaml documents them.
 */
public final class Topics {

    /** Every frame a client sends, and connection lifecycle, from the gateways. Key: user id (order per user). */
    public static final String FRAMES_IN = "rccs.frames.in";

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
     * Records a consumer can never process (not a valid event, or one that breaks a rule for good),
     * with the reason and where they came from. Key: the original record's key.
     */
    public static final String DEAD_LETTERS = "rccs.dead-letters";

    private Topics() {
    }

    /** The key of per-device records: device ids are unique only within their user. */
    public static String deviceKey(String userId, String deviceId) {
        return userId + "/" + deviceId;
    }
}
