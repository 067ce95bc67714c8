package io.rccs.model.presence;

/**
 * Where a device is connected right now, as the gateway writes it in Redis and the services read it.
 * Stored as a Redis hash under {@link #key(String, String)} with a TTL the gateway keeps refreshing
 * while the connection lives, so an entry of a crashed gateway disappears on its own.
 *
 * @param gateway the index of the gateway instance holding the connection = its partition of
 *                {@link io.rccs.model.events.Topics#DELIVERIES}
 * @param epoch   the run of that gateway ({@link GatewayRuns}): an entry whose run is not the live run
 *                of its gateway belongs to a gateway that died, and counts as offline
 */
public record PresenceEntry(String userId, String deviceId, String connectionId, int gateway, long since, String epoch) {

    public static final String KEY_PREFIX = "rccs:presence:";

    /**
     * {@code rccs:presence:{user}:device}. The braces make the user a Redis Cluster hash tag, so all of
     * a user's entries share a slot and one script can read them in one round trip; they also keep a
     * {@code :} inside an id from making two devices' keys collide.
     */
    public static String key(String userId, String deviceId) {
        return KEY_PREFIX + "{" + userId + "}:" + deviceId;
    }
}
