package io.rccs.queue.directory;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;

import io.rccs.model.protocol.payload.Capabilities;
import io.vertx.mutiny.sqlclient.Row;

/**
 * A device as this service learnt it from rccs.device.events (table {@code queue.known_device}).
 *
 * @param lastOnline when it was last seen coming online ({@link Instant#EPOCH} if never)
 * @param revokedAt  set by io.rccs.device.revoked.v1; cleared only when the id is registered anew
 */
public record KnownDevice(String userId, String deviceId, String kind, List<String> capabilities, boolean trusted,
        boolean online, Instant lastOnline, Instant revokedAt, String connectionId) {

    static final String COLUMNS = "user_id, device_id, kind, capabilities, trusted, online, last_online, revoked_at, connection_id";

    /** Who gets a command submitted without {@code to}: desktops first, then the most recently active. */
    public static final Comparator<KnownDevice> PREFERRED = Comparator
            .comparing((KnownDevice device) -> !"desktop".equals(device.kind()))
            .thenComparing(KnownDevice::lastOnline, Comparator.reverseOrder());

    static KnownDevice from(Row row) {
        String[] capabilities = row.getArrayOfStrings(3);
        return new KnownDevice(row.getString(0), row.getString(1), row.getString(2),
                capabilities == null ? List.of() : List.of(capabilities), row.getBoolean(4), row.getBoolean(5),
                row.getOffsetDateTime(6).toInstant(), row.getOffsetDateTime(7) == null ? null : row.getOffsetDateTime(7).toInstant(),
                row.getString(8));
    }

    public boolean revoked() {
        return revokedAt != null;
    }

    /**
     * Trusted, and offering every required capability by the rule of {@link Capabilities}: a
     * requirement {@code name@major} is met only by the same name and major; a bare {@code name}
     * by {@code name} or any {@code name@N}.
     */
    public boolean canRun(List<String> required) {
        return trusted && Capabilities.allMet(capabilities, required);
    }
}
